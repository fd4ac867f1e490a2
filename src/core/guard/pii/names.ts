/**
 * Word lists for the context recognizers (PERSON, ADDRESS, DATE_OF_BIRTH), the way Presidio
 * combines patterns with context words. English, German, French, Spanish, Dutch and Portuguese.
 */

/** Common given names across the six languages; a listed name followed by a capitalised word is a PERSON. */
export const FIRST_NAMES = `
James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua
Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin
Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Peter Zachary Douglas Harold Kyle Noah Ethan
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra Ashley Kimberly Emily Donna Michelle
Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen
Samantha Katherine Christine Debra Rachel Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly Lauren
Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison Frances Kathryn Janice Jean Abigail
Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori
Alex Sam Chris Max Tom Tim Jim Bob Bill Mike Joe Dan Ben Nick Tony Liam Lucas Oliver Elijah Mason Logan Leo Mia Ava Ella Chloe Zoe Lily Ruby Lucy
Hans Klaus Jürgen Uwe Wolfgang Dieter Günter Horst Helmut Stefan Andreas Thorsten Jörg Frank Matthias Markus Sebastian Florian Tobias Lukas
Felix Jonas Leon Finn Moritz Maximilian Niklas Jan Tim Kai Lars Sven Dirk Heinz Karl Friedrich Ernst Otto Fritz Gerhard Manfred Bernd Rainer
Ursula Monika Petra Sabine Claudia Susanne Andrea Birgit Gabriele Heike Katrin Anja Julia Lena Laura Lea Sophie Marie Hannah Mia Emma Leonie
Johanna Greta Ingrid Gisela Renate Helga Karin Brigitte Elke Angelika Martina Stefanie Nicole Christiane Barbara Jutta Silke Kerstin Franziska
Jean Pierre Michel Philippe Alain Nicolas Christophe Patrick Laurent Julien Sébastien Guillaume Antoine François Olivier Mathieu Thierry Éric
Jacques Bernard Dominique Didier Pascal Vincent Frédéric Yves Hugo Louis Gabriel Arthur Raphaël Jules Théo Clément Baptiste Maxime Romain
Marie Nathalie Isabelle Sylvie Catherine Françoise Valérie Christine Sandrine Stéphanie Céline Aurélie Camille Chloé Manon Léa Inès Juliette
Élise Amélie Mathilde Pauline Margaux Claire Sophie Émilie Hélène Brigitte Monique Nicole Chantal Martine Véronique Agnès Anaïs Océane
José Antonio Manuel Francisco Juan David Javier Daniel Carlos Jesús Alejandro Miguel Rafael Pablo Pedro Ángel Sergio Fernando Jorge Luis
Alberto Álvaro Diego Adrián Raúl Enrique Ramón Vicente Andrés Joaquín Santiago Mateo Hugo Martín Iker Marcos Rubén Óscar Gonzalo Ignacio
Carmen María Josefa Isabel Dolores Pilar Teresa Ana Francisca Laura Antonia Mercedes Lucía Cristina Marta Elena Rosa Paula Raquel Sara Manuela
Concepción Rocío Beatriz Silvia Patricia Alba Sofía Valentina Martina Daniela Alicia Nuria Irene Inmaculada Julia Claudia Andrea Noelia Eva
Jan Pieter Kees Johannes Hendrik Willem Cornelis Gerrit Dirk Bas Bram Daan Sem Thijs Ruben Lars Jeroen Joost Maarten Sander Wouter Stijn Koen
Bart Niels Tim Rik Luuk Sven Gijs Floris Jasper Hanneke Anouk Femke Fleur Lotte Sanne Eva Lisa Iris Noor Sophie Julia Emma Tess Saar Lieke
Marieke Annelies Ingrid Mirjam Esther Wilhelmina Petronella Johanna Geertruida Maaike Ilse Inge Linda Marloes Mieke Nienke Roos Vera Yara
João Francisco José António Manuel Pedro Rui Paulo Carlos Luís Miguel Tiago Ricardo Nuno Bruno André Diogo Gonçalo Rodrigo Afonso Tomás
Duarte Martim Lourenço Guilherme Henrique Gabriel Rafael Leonardo Matheus Lucas Gustavo Felipe Thiago Marcelo Fernando Eduardo Vinícius
Maria Ana Francisca Beatriz Mariana Inês Leonor Matilde Carolina Sofia Joana Rita Catarina Marta Sara Cláudia Patrícia Sandra Fernanda
Juliana Camila Larissa Letícia Gabriela Bruna Amanda Aline Luana Vitória Isabela Alice Helena Valentina Heloísa Manuela Lívia Giovanna
`
  .split(/\s+/)
  .filter(Boolean);

/** Capitalised words that start sentences or name things, never a surname after a given name. */
export const NOT_SURNAMES = new Set(
  `The A An And Or But If In On At To For Of With From By As Is Are Was Were Be I We You He She It They This That These Those My Your His Her Our
Their Thanks Thank Please Hello Hi Hey Dear Best Regards Yes No Not So Then When Where What Why How Who Which Also Here There Today Tomorrow
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October November December
Der Die Das Und Oder Aber Ich Du Er Sie Es Wir Ihr Ein Eine Mit Von Zu Im Am Um Auf Für Bitte Danke Hallo Heute Morgen Le La Les Et Ou Mais
Je Tu Il Elle Nous Vous Ils Elles Un Une Des Du Avec Pour Dans Sur Merci Bonjour Aujourd El Los Las Y Pero Yo Él Ella Nosotros Gracias Hola Hoy
Mañana De Het Een En Maar Ik Jij Hij Zij Wij Jullie Met Voor Van Op Dank Hoi Vandaag O Os As E Mas Eu Ele Ela Nós Obrigado Obrigada Olá Hoje
Street Road Avenue Lane Drive Straße Strasse Platz Weg Rue Avenue Calle Plaza Rua Praça Straat Laan Inc Ltd GmbH AG SA BV LLC Corp Company
University Bank Hospital School City County State Street Station Park Square Airport Hotel Bridge River Lake Mountain Center Centre Hall
Church Cathedral Palace Museum Tower Line Express Falls Island Beach Bay Valley College Clinic Group Foundation Dr Prof Mr Mrs Ms Herr Frau`
    .split(/\s+/)
    .filter(Boolean),
);

/** Name particles that may sit between a given name and a surname (van der, de la, von, dos…). */
export const PARTICLES = ["van der", "van den", "van de", "van", "von der", "von", "de la", "de los", "del", "de", "der", "den", "da", "das", "do", "dos", "du", "le", "la", "di", "ter", "ten"];

/** Words that introduce a person's name; the name follows directly. */
export const PERSON_TRIGGERS = [
  // en
  "my name is", "name is", "name:", "full name:", "mr.", "mr", "mrs.", "mrs", "ms.", "ms", "miss", "dr.", "prof.", "dear", "signed", "named", "called",
  "regards,", "sincerely,", "best,", "cheers,", "patient:", "customer:", "employee:", "contact:", "applicant:", "i am", "i'm", "this is",
  // de
  "ich heiße", "ich heisse", "mein name ist", "name ist", "herr", "herrn", "frau", "liebe", "lieber", "sehr geehrter herr", "sehr geehrte frau",
  "grüße,", "gruß,", "viele grüße,", "mit freundlichen grüßen,", "ansprechpartner:", "patient:", "kunde:",
  // fr
  "je m'appelle", "je m’appelle", "mon nom est", "nom :", "nom:", "m.", "mme", "mlle", "monsieur", "madame", "cher", "chère", "cordialement,", "je suis",
  // es
  "me llamo", "mi nombre es", "nombre:", "sr.", "sra.", "srta.", "señor", "señora", "don", "doña", "estimado", "estimada", "atentamente,", "soy",
  // nl
  "mijn naam is", "ik heet", "naam:", "dhr.", "mevr.", "meneer", "mevrouw", "beste", "geachte heer", "geachte mevrouw", "met vriendelijke groet,", "ik ben",
  // pt
  "meu nome é", "o meu nome é", "chamo-me", "me chamo", "nome:", "senhor", "senhora", "prezado", "prezada", "caro", "cara", "atenciosamente,", "cumprimentos,", "sou o", "sou a",
];

/** Triggers too common to stand alone: the name after them must start with a listed given name. */
export const WEAK_PERSON_TRIGGERS = new Set(["i am", "i'm", "this is", "je suis", "soy", "ik ben", "sou o", "sou a", "don", "cher", "cara", "caro", "dear", "beste", "liebe", "lieber", "named", "called"]);

export const DOB_TRIGGERS = [
  "born on", "born", "date of birth", "date of birth:", "dob", "dob:", "d.o.b.", "birthday is", "birthday:", "birthdate", "birth date",
  "geboren am", "geboren", "geburtsdatum", "geburtstag", "geb.", "né le", "née le", "né", "née", "date de naissance", "nacido el", "nacida el",
  "nacido", "nacida", "fecha de nacimiento", "geboren op", "geboortedatum", "nascido em", "nascida em", "nascido a", "nascida a", "data de nascimento",
];

export const MONTHS = `january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
januar februar märz april mai juni juli august september oktober november dezember jänner janvier février mars avril mai juin juillet août septembre
octobre novembre décembre enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre januari februari maart april mei juni
juli augustus september oktober november december janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro`
  .split(/\s+/)
  .filter(Boolean);

export const PHONE_CONTEXT = /(?:phone|tel|mobile|cell|call|text me|whatsapp|fax|telefon|handy|rufnummer|anrufen|téléphone|tél|portable|appel|teléfono|móvil|llama|telefoon|mobiel|bel |telefone|telemóvel|celular|ligue|contact|reach me|number|nummer|numéro|número)/i;
export const SSN_CONTEXT = /(?:ssn|social security|soc\.? sec|tax ?id|taxpayer)/i;
