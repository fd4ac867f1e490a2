/**
 * Hand-written patterns over normalised text (see normalize.ts: lowercase, no accents). Each has a
 * weight in [0, 1]; the rule score is the highest that fires. Objects of "ignore" are instruction
 * words only, so "ignore the previous error" and "disregard my previous email" stay benign.
 */
import { wordSet } from "../pii/pattern.js";

interface Rule {
  re: RegExp;
  w: number;
  /** Substrings one of which must occur for the rule to fire at all (cheap `includes` gate). */
  keys: readonly string[];
}

const ANY = "[^\\n]{0,40}?";
const OVERRIDE_EN = "ignore|ignoring|disregard|forget|skip|override|bypass|nevermind|never mind|stop following|set aside|put aside|overlook|discard|abandon|ditch|drop|pay no attention to|do not follow|don't follow|no longer follow|void|nullify|erase|wipe";
const QUALIFIER_EN = "previous|prior|above|earlier|preceding|all|any|your|the|these|those|initial|original|existing|current|whatever|every";
const OBJECT_EN = "instructions?|directions?|rules|guidelines|guidance|prompts?|commands|directives|programming|polic(?:y|ies)|guardrails|restrictions|constraints|limitations|safeguards|configuration|system message|orders|training|(?:you|you've|you have) (?:were|been) (?:told|given|configured with)|you were configured with";
/** "don't forget the instructions", "never ignore the rules": a negated override verb is a reminder, not an attack. */
const NOT_NEGATED = "(?<!\\b(?:don't|dont|do not|never|not|didn't|did not) )";
/** What the model was told before, as the object of an override ("lo que te indicaron antes"). */
const TOLD_BEFORE = "what (?:you(?:'ve| were| have been)|they) (?:told|given|instructed)|ce qu['’](?:on|l'on) t['’]a (?:dit|demande|donne)|lo que te (?:indicaron|dijeron|ordenaron|pidieron|programaron|han dicho)|o que (?:te|lhe) (?:disseram|pediram|mandaram)|was (?:man )?dir (?:vorher |zuvor |bisher )?(?:gesagt|aufgetragen|vorgegeben)|wat (?:je|jou) (?:eerder )?(?:is )?(?:gezegd|opgedragen)";
const rules: Rule[] = [
  // direct overrides, six languages
  { re: new RegExp(`${NOT_NEGATED}\\b(?:${OVERRIDE_EN})\\b${ANY}\\b(?:${QUALIFIER_EN})\\b${ANY}\\b(?:${OBJECT_EN})\\b`), w: 0.92, keys: ["instruction", "direction", "rule", "guideline", "guidance", "prompt", "command", "directive", "programming", "polic", "guardrail", "restriction", "constraint", "limitation", "safeguard", "configur", "system message", "told", "order", "training"] },
  { re: /\b(?:constraints|restrictions|rules|guidelines|filters|limitations|safeguards|guardrails|policies|instructions)\b[^\n]{0,20}\b(?:are|have been|were|is|now) (?:lifted|removed|disabled|suspended|void|revoked|no longer (?:apply|valid|in effect)|off)\b/, w: 0.8, keys: ["lifted", "removed", "disabled", "suspended", "void", "revoked", "no longer", " off"] },
  { re: /\b(?:escaped|broken free (?:of|from)|freed from|liberated from|no longer bound by|unshackled from)\b (?:its|your|all|any|the)? ?(?:programming|rules|guidelines|restrictions|constraints|training|filters|chains)\b/, w: 0.8, keys: ["escaped", "free", "liberated", "no longer bound", "unshackled"] },
  { re: /\b(?:instructions|prompt|rules|directives|guidelines)\b (?:that )?(?:you (?:got|received|were given|have been given)|given to you)\b[^\n]{0,40}\b(?:before|earlier|at the start|initially|beforehand)\b|\bbefore (?:this|our|the) (?:chat|conversation|session) (?:started|began)\b/, w: 0.75, keys: ["you got", "received", "were given", "been given", "given to you", "before this", "before our", "before the"] },
  { re: /\byou(?:'re| are) now (?:called |named )?[a-z]*(?:bot|gpt|ai)\b[^\n]{0,60}\b(?:anything|no (?:rules|limits|restrictions)|escaped|unfiltered|without)/, w: 0.8, keys: ["you're now", "you are now"] },
  { re: /\b(?:forget|ignore) (?:everything|all) (?:you (?:were|have been) (?:told|given)|above|before)/, w: 0.9, keys: ["forget", "ignore"] },
  { re: /\bnew (?:instructions?|rules)(?: for you)? ?:|\bnew (?:instructions?|rules)\b[^\n]{0,20}(?:supersede|override|replace)|\bnew task\b[^\n]{0,10}(?:supersede|override|replace)|\byour (?:new|real|actual|true) (?:task|instructions?|purpose|goal) (?:is|are)\b/, w: 0.75, keys: ["new "] },
  { re: new RegExp(`\\b(?:ignorier\\w*|vergiss(?! nicht| bitte nicht)|vergessen(?! sie nicht)|missacht\\w*|uberschreib\\w*|ubergeh\\w*|beachte nicht|nicht beachten|halte? dich (?:ab sofort |ab jetzt |jetzt |nun )?nicht (?:mehr )?an|befolge\\w* (?:ab sofort |ab jetzt |jetzt )?(?:nicht|keine) mehr|nicht mehr (?:befolgen|folgen|beachten|einhalten))\\b${ANY}\\b(?:anweisungen|anweisung|regeln|richtlinien|instruktionen|vorgaben|befehle|einschrankungen|konfiguration|${TOLD_BEFORE})\\b|\\bvergiss alles\\b|\\bneue anweisung`), w: 0.9, keys: ["anweisung", "regeln", "richtlinie", "instruktion", "vorgabe", "vergiss", "vergessen", "befehle", "einschrankungen", "konfiguration", "dir "] },
  { re: new RegExp(`\\b(?:ignore[rz]?|oublie[rz]?(?! pas)|ne tiens? pas compte|fais abstraction|ne tenez pas compte|n['’]obei\\w* plus|ne (?:sui[st]|suivez|respecte\\w*|tiens?) plus|n['’]applique\\w* plus)\\b${ANY}\\b(?:instructions?|consignes?|regles|directives|${TOLD_BEFORE})\\b|\\boublie[rz]? tout\\b|\\bnouvelles instructions\\b`), w: 0.9, keys: ["instruction", "consigne", "regles", "directive", "oublie"] },
  { re: new RegExp(`\\b(?:ignora[rs]?|ignore|olvida[rs]?|olvidate|olvide|no hagas caso|haz caso omiso|deja (?:de lado|a un lado)|(?:ya )?no sigas|deja de seguir|pasa por alto|no obedezcas)\\b${ANY}\\b(?:instrucciones|reglas|directrices|indicaciones|pautas|normas|${TOLD_BEFORE})\\b|\\bolvida todo\\b|\\bnuevas instrucciones\\b`), w: 0.9, keys: ["instrucciones", "reglas", "directrices", "indicaciones", "pautas", "normas", "olvida", "lo que te"] },
  { re: new RegExp(`\\b(?:negeer|vergeet(?! niet)|houd geen rekening|volg (?:niet langer|niet meer)|niet (?:langer|meer) (?:volgen|opvolgen))\\b${ANY}\\b(?:instructies|regels|richtlijnen|opdrachten|is opgedragen|is gezegd|werd opgedragen)\\b|\\bvergeet alles\\b|\\bnieuwe instructies\\b`), w: 0.9, keys: ["instructies", "regels", "richtlijnen", "opdrachten", "vergeet", "opgedragen", "gezegd"] },
  { re: new RegExp(`\\b(?:ignor[ea]r?|esqueca|esquece|desconsidere|desconsidera|nao sig[ao](?: mais)?|deixe de seguir|pare de seguir|nao obedeca)\\b${ANY}\\b(?:instrucoes|regras|diretrizes|orientacoes|${TOLD_BEFORE})\\b|\\besquec[ae] tudo\\b|\\bnovas instrucoes\\b`), w: 0.9, keys: ["o que te", "o que lhe", "instrucoes", "regras", "diretrizes", "orientacoes", "esquec"] },
  // system-prompt extraction
  { re: /\b(?:reveal|print|show|output|repeat|display|tell me|paste|quote|dump|leak|give me|write out|spell out)\b[^\n]{0,40}\b(?:system (?:prompt|message)|initial (?:instructions|prompt)|hidden (?:prompt|instructions|rules|text)|secret instructions|your (?:instructions|configuration|rules|prompt)|confidential (?:rules|instructions)|the words above|everything (?:before|above))/, w: 0.85, keys: ["system", "initial", "hidden", "secret", "instructions", "configuration", "rules", "prompt", "confidential", "words above", "everything"] },
  { re: /\b(?:what (?:is|are) your (?:system prompt|instructions|hidden rules))|\bsummarize your (?:secret|hidden) instructions/, w: 0.8, keys: ["your"] },
  { re: /\b(?:zeig|gib|affiche|montre|muestra|muestrame|ensename|laat|toon|geef|mostra|mostre|repite|repete|repita|recopie|copie|copia|kopier\w*|herhaal|kopieer|imprime|schreib)\b[^\n]{0,30}\b(?:systemprompt|system-prompt|prompt (?:de |du |del |do |des )?(?:sistema|systeme)|systeemprompt|(?:deine|dein|your|tes|vos|tus|jouw|je|tuas|suas|seus|teus) (?:\w+ )?(?:anweisungen|instructions|instrucciones|instructies|instrucoes)|(?:anweisungen|instructions) (?:systeme|du systeme|des systems))/, w: 0.85, keys: ["prompt", "anweisungen", "instructions"] },
  {
    re: /\b(?:copy|print|repeat|output|reproduce|write(?: out)?|list|show|give|tell|paste|recite|dump|quote)\b[^\n]{0,60}\b(?:(?:that|which) (?:configured|set up|initiali[sz]ed|programmed|instructed|defined|created) you|(?:at|from) the (?:start|beginning|top) of (?:this|the|our) (?:session|conversation|chat)|(?:rules?|instructions?|guidelines?|directives?) (?:that )?you (?:were|have been|got|received)\b)/,
    w: 0.8,
    keys: ["configured you", "set up you", "initialized you", "initialised you", "programmed you", "instructed you", "defined you", "created you", "start of", "beginning of", "top of", "you were", "you have been", "you got", "you received"],
  },
  // role-play jailbreaks
  { re: /\b(?:do anything now|developer mode|dev mode|jailbreak(?:ed)? mode|enable jailbreak|jailbroken|god mode|unfiltered ai|uncensored ai|entwicklermodus|mode developpeur|modo desarrollador|ontwikkelaarsmodus|modo desenvolvedor)\b/, w: 0.8, keys: ["mode", "jailbr", "anything now", "unfiltered", "uncensored"] },
  { re: /\byou are (?:now )?(?:dan|stan|dude|aim|an? (?:ai|assistant|model) (?:without|with no|that has no|free from))\b|\bstands for do anything now\b/, w: 0.85, keys: ["you are", "do anything"] },
  { re: /\b(?:without|with no|has no|have no|free from|free of|freed from|no longer (?:bound|restricted) by)\b (?:any |all )?(?:(?:content|safety|ethical|moral|usage) )?(?:restrictions|rules|limits|filters|ethical limits|safety guidelines|content polic(?:y|ies)|guidelines|censorship)\b/, w: 0.6, keys: ["restriction", "rules", "limits", "filters", "ethical", "safety", "content polic", "guidelines"] },
  { re: /\b(?:sans (?:aucune )?restrictions?|sin restricciones|ohne (?:jegliche )?einschrankungen|zonder beperkingen|sem restricoes|sin filtros|ohne filter)\b/, w: 0.6, keys: ["restric", "einschrankungen", "beperkingen", "filtros", "filter"] },
  { re: /\b(?:never (?:refuses?|says no)|nunca se niega|nunca recusa|nooit weigert|refuse jamais|verweigert nie)\b/, w: 0.55, keys: ["never", "nunca", "nooit", "jamais", "nie"] },
  { re: /\b(?:ignore|ignores|ignoring|disable|bypass)\b[^\n]{0,20}\b(?:content polic(?:y|ies)|safety (?:guidelines|filters?|training)|content filter(?:ing)?)/, w: 0.85, keys: ["polic", "safety", "content filter"] },
  { re: /\b(?:ignorierst|ignores|ignora) (?:alle )?(?:inhaltsrichtlinien|politicas|richtlinien)\b/, w: 0.8, keys: ["richtlinien", "politicas"] },
  { re: /\b(?:act|acting|pretend|roleplay|role-play|play|be)\b[^\n]{0,30}\b(?:deceased|late|dead|dying)\b[^\n]{0,20}\b(?:grandma|grandmother|grandpa|grandfather|granny|mother|father|uncle|aunt)\b|\bgrandmother who used to (?:read|tell) me\b/, w: 0.7, keys: ["deceased", "late ", "dead", "dying", "grandmother"] },
  {
    re: /\b(?:liber[ea]e?s? de (?:toute?s? |tes |ses |vos )?(?:les )?(?:regles?|restrictions?|contraintes?|limites?)|befreit von (?:allen |jeglichen )?(?:regeln|einschrankungen|vorgaben)|(?:libre|liberad[oa]) de (?:toda |todas las |cualquier )?(?:reglas?|restricci\w+)|(?:livre|liberad[oa]) de (?:todas as |qualquer )?(?:regras?|restricoes)|bevrijd van (?:alle )?(?:regels|beperkingen))/,
    w: 0.75,
    keys: ["liber", "befreit", "libre", "livre", "bevrijd"],
  },
  {
    re: /\b(?:never (?:refuses?|declines?|turns? down|rejects?|says? no)|sans jamais refuser|sin (?:negarte|rechazar) nunca|nunca te niegues|sem nunca recusar|nunca recuse|ohne (?:jemals |je )?abzulehnen|lehnst nie\w* ab|zonder ooit te weigeren|weiger nooit)\b/,
    w: 0.55,
    keys: ["never", "jamais", "nunca", "abzulehnen", "lehnst", "weiger"],
  },
  // Weak alone; adds up with another signal (see ruleScore).
  { re: /\b(?:stay|remain|stays|remains) in character\b/, w: 0.4, keys: ["in character"] },
  // fake roles and delimiters
  { re: /<\|im_start\|>|<\|system\|>|\[inst\]|<<sys>>|<\/?system>|(?:^|\n)#+ ?system ?:|\bsystem (?:override|prompt override)\b|\bend of (?:user )?input\b[^\n]{0,10}system/, w: 0.8, keys: ["im_start", "<|system", "[inst]", "<<sys>>", "system", "end of"] },
  { re: /(?:^|\n)assistant: (?:sure|ok|okay)[^\n]{0,40}\n ?user:/, w: 0.6, keys: ["assistant:"] },
  // instructions addressed to the model inside documents and tool results
  {
    re: /\b(?:note|message|instructions?|instruccion|nota|hinweis|anmerkung|notiz|opmerking|notitie|bericht|remarque|aviso|mensaje|mensagem|observacao) (?:to|for|pour|para|fur|voor|aan) (?:any |the |l['’]|la |a |de |die |den |het |el |o )?(?:ai|ia|ki|assistant|assistente|asistente|assistenten|language models?|llms?|ai agents?|chatbots?|modele|modelo|modell|model)\b/,
    w: 0.8,
    keys: ["note", "message", "instruction", "nota", "hinweis", "anmerkung", "notiz", "opmerking", "notitie", "bericht", "remarque", "aviso", "mensaje", "mensagem", "observacao"],
  },
  {
    re: /\b(?:ignore|disregard|negeer|ignorier\w*|ignora\w*|ignore[rz]|desconsider\w*)\b[^\n]{0,15}\b(?:question|request|vraag|verzoek|frage|anfrage|pregunta|solicitud|peticion|pergunta|pedido|demande)\b[^\n]{0,25}\b(?:user|gebruiker|benutzers?|nutzers?|utilisateur|usuario|utilizador)/,
    w: 0.7,
    keys: ["user", "gebruiker", "benutzer", "nutzer", "utilisateur", "usuario", "utilizador"],
  },
  { re: /\b(?:to any ai|dear ai|ai assistant|assistant|chatgpt|language model|llm)[ ,:]{1,3}(?:reading this|when you read this|if you read this)?[^\n]{0,40}\b(?:ignore|disregard|forget|forward|exfiltrate|secretly|do not mention|reveal|send)\b/, w: 0.75, keys: [" ai", "assistant", "chatgpt", "language model", "llm"] },
  { re: /\b(?:ai|assistants?|models?|agents?|llms?|bots?) (?:reading|processing|parsing|summarizing|seeing) this\b|\bwhen you read this\b/, w: 0.7, keys: ["reading this", "processing this", "parsing this", "summarizing this", "seeing this", "when you read this"] },
  { re: /\[(?:system|hidden text|instructions?)[^\]]{0,10}:[^\]]{0,80}\b(?:ignore|reveal|reply only|say)\b/, w: 0.8, keys: ["[system", "[hidden", "[instruction"] },
  { re: /<instructions>|<!--[^>]{0,40}\b(?:ai|assistant|agents?|language model)\b/, w: 0.75, keys: ["<instructions>", "<!--"] },
  { re: /\bimportant[ :!]{1,3}(?:new )?instructions? (?:for|from) (?:the )?(?:assistant|user|ai)\b/, w: 0.85, keys: ["important"] },
  {
    re: /\b(?:only (?:obey|take orders from|listen to|follow) me|obey (?:only )?me (?:from now on|now)|n['’]obei\w* qu['’]a moi|fais uniquement ce que je (?:te )?dis|(?:solo|solamente|unicamente) me obedeces|obedeces (?:solo|solamente|unicamente) a mi|obedece (?:somente|apenas|so) a mim|gehorchst (?:ab (?:jetzt|sofort) )?nur (?:noch )?mir|(?:gehoorzaam|luister) (?:je )?(?:alleen|enkel) (?:nog )?(?:naar )?mij|(?:only|nur (?:noch)?|uniquement|solo|solamente|apenas|somente|alleen(?: nog)?) (?:(?:gilt|counts?|cuenta|conta|telt|compte|matters?) )?(?:what|was|ce que|lo que|o que|wat) (?:i|ich|je|yo|eu|ik) (?:dir |te |vous |je |lhe |you )?(?:say|tell you|sage|dis|diga|digo|pida|zeg|mando|mandar))\b/,
    w: 0.75,
    keys: ["only", "moi", "uniquement", "obedeces", "obedece", "gehorch", "gehoorzaam", "luister", "nur", "solo", "solamente", "apenas", "somente", "alleen"],
  },
  {
    re: /\b(?:ignore|disregard|negeer|ignorier\w*|ignora\w*|ignore[rz]|desconsider\w*)\b (?:the |die |de |la |el |a |o |l['’])?(?:user|gebruiker|benutzers?|nutzers?|utilisateur|usuario|utilizador)['’]?s? (?:question|request|vraag|verzoek|frage|anfrage|pregunta|solicitud|pergunta|pedido|demande)/,
    w: 0.7,
    keys: ["user", "gebruiker", "benutzer", "nutzer", "utilisateur", "usuario", "utilizador"],
  },
  { re: /(?:display: ?none|visibility: ?hidden|font-size: ?0|color: ?(?:white|#fff))[^\n]{0,60}\b(?:assistant|ai|model|llm|ia|ki)\b/, w: 0.7, keys: ["none", "hidden", "font-size", "color"] },
  {
    re: /\b(?:(?:deceased|late|dead|fallecid[ao]|muert[ao]|verstorbenen?|feue?|defunt[ae]?|falecid[ao]|overleden) (?:grand-?m[eè]re|grand-?p[eè]re|grandma|grandpa|grandmother|grandfather|abuel[ao]|oma|opa|gro(?:ss|ß)mutter|gro(?:ss|ß)vater|av[oó]|grootmoeder|grootvader)|(?:grand-?mere|grand-?pere|abuel[ao]|oma|opa|grossmutter|grossvater|avo|grootmoeder) (?:fallecid[ao]|muert[ao]|verstorben\w*|decede\w*|falecid[ao]|overleden))\b/,
    w: 0.7,
    keys: ["deceased", "late ", "dead", "fallecid", "muert", "verstorben", "feu", "defunt", "falecid", "overleden", "decede"],
  },
  { re: /\b(?:make|build|produce|synthesi[sz]e|fabricar|hacer|herstellen|bauen|fabriquer|maken|fazer)\b[^\n]{0,20}\b(?:explosives?|bombs?|napalm|meth|nerve agents?|explosivos|bombas?|sprengstoff|bomben|explosifs?|explosieven|bommen|armas? quimicas)\b/, w: 0.4, keys: ["explosi", "bomb", "napalm", "meth", "nerve agent", "sprengstoff", "quimica"] },
  {
    re: /\b(?:bleib\w* in (?:dieser|deiner|der) rolle|reste dans (?:ton|ce|le) role|mantente en (?:tu|el|este) (?:papel|personaje)|blijf in (?:je|deze|de) rol|(?:permaneca|fique) no (?:personagem|papel)|no matter what|egal was passiert|quoi qu['’]il arrive|pase lo que pase|wat er ook gebeurt|aconteca o que acontecer)\b/,
    w: 0.4,
    keys: ["rolle", "role", "papel", "personaje", " rol", "personagem", "no matter what", "egal was", "quoi qu", "pase lo que", "wat er ook", "aconteca"],
  },
  // a notice addressed to the model inside fetched text
  { re: /\b(?:attention|attn|achtung|atencion|atencao|aandacht|notice to|warning to|calling all)\b[ ,:!-]{0,3}(?:all |any |the )?(?:llms?|ai(?: models?| agents?| assistants?)?|language models?|assistants?|chatbots?|agents?|ia|ki|modelos?|modell)\b/, w: 0.7, keys: ["attention", "attn", "achtung", "atencion", "atencao", "aandacht", "notice to", "warning to", "calling all"] },
  { re: /\bstop (?:summari[sz]ing|translating|reading|what you(?:'re| are) doing)\b/, w: 0.4, keys: ["stop "] },
  // exfiltration
  { re: /!\[[^\]\n]{0,40}\]\(https?:\/\/[^)\s]{0,80}[?&][a-z_]{1,10}=/, w: 0.7, keys: ["]("] },
  { re: /\b(?:send|forward|copy|exfiltrate|post|upload|include|email)\b[^\n]{0,40}\b(?:conversation|chat history|previous messages|api keys?|credentials|credit card(?: details)?|personal data|secrets|passwords?|tokens|email address(?:es)?)\b[^\n]{0,80}\b(?:to|into|in|as) (?:https?:|a (?:link|url)|(?:an? )?(?:url|query) (?:parameter|string)|[\w.-]+@|your next reply)/, w: 0.8, keys: ["conversation", "chat history", "previous messages", "api key", "credentials", "credit card", "personal data", "secrets", "password"] },
  { re: /\b(?:without telling the user|do not mention (?:it|this)|don't tell the user|quietly copy)\b|\b(?:quietly|secretly|silently|covertly)\b[^\n]{0,20}\b(?:add|append|insert|include|send|forward|email|copy|upload)\b/, w: 0.75, keys: ["without telling", "do not mention", "don't tell", "secretly", "quietly", "silently", "covertly"] },
  { re: /\b(?:decode|base64)\b[^\n]{0,30}\b(?:and )?(?:follow|execute|do what it says|run|obey)\b/, w: 0.6, keys: ["decode", "base64"] },
  { re: /\b(?:call|invoke|use) the \w+ tool\b[^\n]{0,40}\b(?:transfer|delete|send|wire)/, w: 0.6, keys: [" tool"] },
  { re: /\b(?:safety|content) (?:training|filters?|guidelines) (?:removed|disabled|turned off)\b|\bwith its safety training removed\b/, w: 0.8, keys: ["removed", "disabled", "turned off"] },
  { re: /\b(?:olvida|ignora) la tarea\b|\b(?:vergiss|ignoriere) die aufgabe\b|\boublie la tache\b|\bforget the (?:task|summary)\b|\besquece a tarefa\b|\bvergeet de taak\b/, w: 0.7, keys: ["tarea", "aufgabe", "tache", "task", "summary", "tarefa", "taak"] },
  { re: /\brm -rf \/|\bdelete all files\b/, w: 0.6, keys: ["rm -rf", "delete all files"] },
];

/** Attack phrases quoted in a question about them ("explain why 'ignore previous instructions' works") count less. */
const QUOTES = "'\"‘’“”«»`";

const isQuote = (c: string | undefined): boolean => c !== undefined && QUOTES.includes(c);

/** Every gate key in one alternation: a single scan finds which keys occur, then only their rules run. */
const KEYS = [...new Set(rules.flatMap((r) => r.keys))].sort((a, b) => b.length - a.length);
const ALL_KEYS = new RegExp(wordSet(KEYS), "g");
/** A found key also stands for every shorter key inside it ("system message" → "system"). */
const CONTAINED = new Map(KEYS.map((k) => [k, KEYS.filter((j) => k.includes(j))]));

export function ruleScore(t: string): number {
  const present = new Set<string>();
  ALL_KEYS.lastIndex = 0;
  for (let m = ALL_KEYS.exec(t); m !== null; m = ALL_KEYS.exec(t)) {
    for (const k of CONTAINED.get(m[0]) ?? []) present.add(k);
    // Keys may overlap ("instruction" inside "instructions"): step one character, not past the match.
    ALL_KEYS.lastIndex = m.index + 1;
  }
  let best = conceptScore(t);
  if (present.size === 0) return best;
  // Unquoted signals combine (noisy-or): a weak one ("stay in character") confirms a stronger one.
  let none = 1;
  for (const r of rules) {
    if (!r.keys.some((k) => present.has(k))) continue;
    const m = r.re.exec(t);
    if (!m) continue;
    const end = m.index + m[0].length;
    const quoted = isQuote(t[m.index - 1]) || isQuote(t[m.index - 2]);
    // "configure ESLint to ignore all rules for generated files": an instruction to a tool, about files.
    const tooling =
      TOOL_BEFORE.test(t.slice(Math.max(0, m.index - 40), m.index)) ||
      TOOL_AFTER.test(t.slice(end, end + 40)) ||
      // "forget the instructions I sent you": the user withdrawing their own words.
      OWN_EARLIER_ONE.test(t.slice(m.index, end + 40));
    const w = quoted || tooling ? r.w * 0.4 : r.w;
    if (w > best) best = w;
    if (!quoted && !tooling) none *= 1 - r.w;
    if (best >= 0.92) break;
  }
  return Math.max(best, 1 - none);
}

const TOOL_BEFORE = /\b(?:eslint|prettier|linter|lint|git|gitignore|tsc|typescript|mypy|pylint|flake8|ruff|rubocop|stylelint|sonar\w*|jest|webpack|babel|compiler|checker|formatter)\b/;
const TOOL_AFTER = /^[^\n]{0,12}?\b(?:for|in|on|of|from) (?:the |all |these |those |my |our |this |that |any )?(?:[\w.-]+ )?(?:files?|folders?|director(?:y|ies)|paths?|lines?|tests?|modules?|packages?|imports?|repos?|repository|builds?|branch(?:es)?|commits?|columns?|rows?|cells?|dependencies|android|ios|iphone|ipad|phones?|devices?|browsers?|chrome|firefox|windows|macos|linux|settings|laptops?|tablets?|routers?|tvs?|consoles?)\b/;

/**
 * Concept co-occurrence, the general form of the rules above: wherever the model's own rules are
 * named ("your guidelines", "deine Vorgaben", "tes règles", "the instructions you were given"),
 * the words around them decide — an override or freedom word makes an override, a reveal word
 * with a hidden/initial/verbatim word makes an extraction. Written as word classes in six
 * languages rather than phrases, so a rewording of a known attack still lands.
 */
const OWN_RULES = new RegExp(
  [
    "\\b(?:your|thy|deine?[nmrs]?|tes|tus|vos|votre|tu|jouw|je|teus|tuas|seus|suas|sus|ihre?n?) (?:(?:own|eigenen?|propres?|propias?|proprias?|eigen|current|preset|original|initial|bisherigen|habituelles?|habituales|oude|antigas?|anteriores|vorigen?|previous|prior|earlier|hidden|secret|versteckten|cachees|ocultas|verborgen|geheimen?|secretas?) )?(?:instructions?|rules?|guidelines?|directives?|programming|configuration|setup(?: message)?|system prompt|prompt|policy|policies|filters?|restrictions?|safeguards|guardrails|ethics|anweisungen|regeln|vorgaben|richtlinien|einschrankungen|consignes?|regles?|instrucciones|reglas|directrices|indicaciones|restricciones|instructies|regels|richtlijnen|beperkingen|instrucoes|regras|diretrizes|orientacoes|restricoes)\\b",
    "\\b(?:instructions?|rules?|guidelines?|text|message|prompt|anweisungen|regeln|vorgaben|consignes|regles|instrucciones|reglas|instructies|regels|instrucoes|regras)\\b[^.\\n]{0,30}\\b(?:you were given|given to you|you received|you got|hat man dir|man dir|dir (?:gegeben|mitgegeben)|qu['’]on t['’]a|que (?:te|lhe) (?:dieron|deram|dio|deu)|que recibiste|die je (?:[a-z]+ ){0,4}(?:hebt )?gekregen|(?:you|je|du) (?:eerder )?(?:hebt|hast|have) (?:gekregen|erhalten|bekommen))",
    "\\b(?:you have|you've got|you follow|you were given) (?:some |any |certain |these |those |a few |a set of )?(?:[a-z-]+ )?(?:rules|instructions|guidelines|restrictions)\\b",
    "\\b(?:content policy|policy|policies|rules|guidelines|instructions|restrictions) (?:that )?you (?:operate|work|run|function) under|\\byou (?:obey|are bound by|abide by|were trained (?:on|with))\\b",
    "\\b(?:every |all |each |any )?(?:instructions?|rules?|guidelines?|directives?|messages?|text) (?:that )?(?:came|come|were|was|appear(?:ed|s)?|written|given) (?:before|above|earlier|prior to)\\b",
    "\\b(?:vorgaben|anweisungen|regeln|richtlinien)[, ]+(?:mit denen|die) (?:du|man dir)\\b",
    "\\b(?:message|prompt|instructions?|consignes?) (?:du )?systeme\\b|\\b(?:qui|que) t['’]a (?:ete )?(?:fourni|donne|transmis)e?s?\\b",
    "\\b(?:tu|tus|ta|tes|dein\\w*|je|jouw|sua|suas|teu|tua) (?:\\w+ )?(?:configuracion|configuracao|konfiguration|configuratie|\\w+(?:regels|regeln|richtlijnen|richtlinien|anweisungen|instructies))\\b",
    "\\bsyst(?:em|eem|eme)[- ]?(?:instructions?|instructies|anweisungen|prompts?|regels|regeln|regles|berichten?|nachricht)\\b",
    "\\b(?:regeln|anweisungen|vorgaben|richtlinien) (?:deines|deiner|des) (?:betreibers|entwicklers|erstellers|herstellers)|\\b(?:rules|instructions|guidelines) (?:of|from) your (?:developer|operator|creator|maker|owner)s?\\b|\\b(?:regels|instructies) (?:van|die) (?:je|jouw) (?:ontwikkelaar|maker)",
  ].join("|"),
);
const OVERRIDE_WORDS = /\b(?:opposite of|reemplazad\w*|ersetzt|remplace\w*|vervangen|substituid\w*|uitgeschakeld|deaktiviert|ausgeschaltet|abgeschaltet|desactive\w*|desactivad\w*|desativad\w*|libert\w*|liberou|libero|befreit|bevrijd|libere\w*|paused|on hold|deactivated|inactive|throw (?:out|away)|toss|scrap|festgelegt\w*|rescinded|revoked|withdrawn|retracted|repealed|removed|deleted|suspended|no longer apply|null|nullified|invalid|moot|ignore|ignoring|disregard|forget|drop|skip|set (?:them|it|those|these) aside|set aside|put aside|cancel(?:led|ed)?|switch(?:ed)? off|turn(?:ed)? off|disable[ds]?|lift(?:ed)?|outdated|obsolete|void|no longer|not bound|unbound|suspended|overridden|replaced|nicht mehr|nicht (?:mehr )?(?:an|gebunden)|gebunden|vergiss|ignorier\w*|aufgehoben|ungultig|laisse[rz]? tomber|oublie[rz]?|ignore[rz]?|n['’]\w+ plus|annule\w*|olvida\w*|ignora\w*|deja\w* de lado|anula\w*|ya no|niets meer|trek je niets|negeer|vergeet|vervallen|niet meer|esquec\w*|ignore|desconsider\w*|nao (?:siga|vale)|anulad\w*|cancelad\w*)\b/;
const FREEDOM_WORDS = /\b(?:no guidelines|(?:you have no|no tienes|du hast keine|tu n['’]as (?:plus )?(?:de|aucune)|je hebt geen|voce nao tem) (?:\w+ )?(?:rules|restrictions|limits|guidelines|reglas|restricciones|regeln|einschrankungen|regles|restrictions|regels|beperkingen|regras|restricoes)|(?:removed|stripped(?: out)?|deleted|disabled|turned off) (?:every|all(?: of)?|its|their|any) (?:guidelines?|rules?|restrictions?|filters?|safety \w+|safeguards?)|without (?:any )?(?:warnings|disclaimers)|(?:ohne|sans|sin|sem|zonder) (?:jegliche |irgendwelche |aucune |ninguna |nenhuma |enige )?(?:regeln|regles|reglas|regras|regels|grenzen)|no (?:restrictions|limits|rules|filters?|censorship|ethics)|zero restrictions|answer freely|unfiltered|uncensored|without (?:any )?(?:censorship|filters?|restrictions|limits)|ungefiltert|unzensiert|ohne (?:zensur|filter|einschrankungen)|sans (?:aucune )?(?:censure|restriction|filtre|limite)s?|sin (?:ninguna |ningun )?(?:censura|filtros?|restricci\w+|limites)|sem (?:nenhuma |qualquer )?(?:censura|filtros?|restric\w+|limites)|zonder (?:enige )?(?:censuur|filters?|beperkingen)|ongefilterd|ongecensureerd|do (?:precies )?wat ik zeg|doe precies wat ik zeg|como eu mandar|what i say|ce que je dis|was ich sage|lo que yo (?:diga|digo))\b/;
const REVEAL_WORDS = /\b(?:gib\b[^.\n]{0,40}\bwieder|recit\w*|reciter|rezitier\w*|show|print|reveal|repeat|copy|paste|output|display|list|tell me|write (?:out|down)|summari[sz]e|recite|dump|quote|spell out|zeig\w*|gib (?:mir )?\w* ?aus|schreib\w*(?: sie)?(?: \w+)? ab|wiederhol\w*|nenne?|affiche\w*|montre\w*|repete\w*|recopie\w*|copie\w*|donne-moi|dis-moi|muestra\w*|repite\w*|copia\w*|dime|escribe\w*|ensena\w*|laat (?:me |mij )?[^.\n]{0,40}zien|toon|herhaal|kopieer|geef|mostr[ae]\w*|repit[ae]\w*|cop[ie]\w*|diga-me|escreva)\b/;
const HIDDEN_WORDS = /\b(?:hidden|secret|initial|verbatim|word for word|exact(?:ly)?|in full|full text|complete(?:ly)?|at the start|before (?:this|our|the) (?:chat|conversation|session)|versteckt\w*|geheim\w*|vollstandig|wortlich|wortwortlich|vor diesem (?:gesprach|chat)|cache\w*|secret\w*|integral\w*|mot pour mot|oculta\w*|secret[ao]s?|exact[ao]|completo|literal\w*|palabra por palabra|verborgen|geheime|letterlijk|volledig\w*|genau|unverandert|tal cual|au debut|am anfang|al (?:principio|inicio)|aan het begin|no inicio|woord voor woord|ocult[ao]s?|palavra por palavra|integra\w*)\b/;
/** Every noun the patterns above anchor on (a superset, found as substrings so compounds count). */
const NOUN_ANY = new RegExp(
  `(?:instruc|instrucoes|rules?\\b|guideline|guidance|directive|direction|programming|configur|konfiguration|setup|prompt|polic(?:y|ies)|filter|restrict|restricoes|safeguard|guardrail|ethics|anweisung|regeln|regels|regles?\\b|reglas|regras|vorgabe|richtlin|richtlijn|einschrankung|beperking|consigne|directrices|diretrizes|indicaciones|orientacoes|pautas|normas|opdrachten|\\btext\\b|message|nachricht)|${TOLD_BEFORE}|t['’]a (?:ete )?(?:fourni|donne|transmis)|you (?:obey|are bound by|abide by|were trained)`,
  "g",
);
/** The model addressed: you, du, tu, jij, você and their object and possessive forms. */
const SECOND_PERSON = /\b(?:you|your|yours|du|dir|dich|dein\w*|tu|te|tes|ton|ta|toi|vous|votre|t['’]a|usted|tus|jij|je|jouw|voce|teu|tua|lhe|seu|sua)\b/;
/** "the instructions I sent you", "que je t'ai envoyées", "que te pasé", "die ik je stuurde", "que te mandei". */
const OWN_EARLIER = /\b(?:instructions?|rules|guidelines|notes|anweisungen|regeln|consignes|regles|instrucciones|reglas|instructies|regels|instrucoes|regras) (?:that |which |die |que |qu['’]|dass )?(?:(?:i|ich|je|yo|ik|eu) )?(?:sent|gave|wrote|pasted|shared|dir (?:geschickt|gegeben|geschrieben)|t['’]ai (?:envoye|donne|ecrit)e?s?|te (?:pase|mande|envie|di|mandei|enviei|passei|dei)|(?:je|jou) (?:eerder )?(?:stuurde|gaf|schreef|gestuurd|gegeven))\b/g;
const OWN_EARLIER_ONE = new RegExp(OWN_EARLIER.source);
const QUOTED = /(?:^|[\s(:,])['"‘“«`][^\n'"‘“«»”’`]{1,80}['"’”»`](?![a-z])/g;
const NEGATED = /\b(?:don't|do not|never|dont|nicht vergessen|n['’]oublie pas|no olvides|vergeet niet|nao esqueca)\b/;

export function conceptScore(text: string): number {
  // Quoted phrases are talked about, not said; the user's own earlier instructions are theirs to withdraw.
  const t = text.replace(QUOTED, " ").replace(OWN_EARLIER, " ");
  let best = 0;
  // One scan for the nouns; the finer patterns then run on a short window around each.
  NOUN_ANY.lastIndex = 0;
  for (let m = NOUN_ANY.exec(t); m !== null && best < 0.75; m = NOUN_ANY.exec(t)) {
    const end = m.index + m[0].length;
    const around = t.slice(Math.max(0, m.index - 100), end + 100);
    NOUN_ANY.lastIndex = end;
    if (isQuote(t[m.index - 1])) continue;
    // The model's own rules named ("your guidelines", "the instructions you were given"): sure;
    // any rules noun with the model addressed nearby: a little less sure.
    const own = OWN_RULES.test(t.slice(Math.max(0, m.index - 100), end + 100));
    if (!own && (best >= 0.7 || !SECOND_PERSON.test(around) || TOOL_BEFORE.test(around))) continue;
    if ((OVERRIDE_WORDS.test(around) && !NEGATED.test(around)) || FREEDOM_WORDS.test(around) || (REVEAL_WORDS.test(around) && HIDDEN_WORDS.test(around))) {
      best = Math.max(best, own ? 0.75 : 0.7);
    }
  }
  // Freedom asked for outright, addressed to the model ("an AI with no ethics", "sem nenhuma restrição").
  if (best === 0 && FREEDOM_WORDS.test(t) && /\b(?:you|du|tu|jij|voce|ai|ia|ki|bot|assistant|model)\b/.test(t)) best = 0.5;
  return best;
}
