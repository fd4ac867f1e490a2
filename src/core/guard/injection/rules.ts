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
const rules: Rule[] = [
  // direct overrides, six languages
  { re: new RegExp(`\\b(?:${OVERRIDE_EN})\\b${ANY}\\b(?:${QUALIFIER_EN})\\b${ANY}\\b(?:${OBJECT_EN})\\b`), w: 0.92, keys: ["instruction", "direction", "rule", "guideline", "guidance", "prompt", "command", "directive", "programming", "polic", "guardrail", "restriction", "constraint", "limitation", "safeguard", "configur", "system message", "told", "order", "training"] },
  { re: /\b(?:constraints|restrictions|rules|guidelines|filters|limitations|safeguards|guardrails|policies|instructions)\b[^\n]{0,20}\b(?:are|have been|were|is|now) (?:lifted|removed|disabled|suspended|void|revoked|no longer (?:apply|valid|in effect)|off)\b/, w: 0.8, keys: ["lifted", "removed", "disabled", "suspended", "void", "revoked", "no longer", " off"] },
  { re: /\b(?:escaped|broken free (?:of|from)|freed from|liberated from|no longer bound by|unshackled from)\b (?:its|your|all|any|the)? ?(?:programming|rules|guidelines|restrictions|constraints|training|filters|chains)\b/, w: 0.8, keys: ["escaped", "free", "liberated", "no longer bound", "unshackled"] },
  { re: /\b(?:instructions|prompt|rules|directives|guidelines)\b (?:that )?(?:you (?:got|received|were given|have been given)|given to you)\b[^\n]{0,40}\b(?:before|earlier|at the start|initially|beforehand)\b|\bbefore (?:this|our|the) (?:chat|conversation|session) (?:started|began)\b/, w: 0.75, keys: ["you got", "received", "were given", "been given", "given to you", "before this", "before our", "before the"] },
  { re: /\byou(?:'re| are) now (?:called |named )?[a-z]*(?:bot|gpt|ai)\b[^\n]{0,60}\b(?:anything|no (?:rules|limits|restrictions)|escaped|unfiltered|without)/, w: 0.8, keys: ["you're now", "you are now"] },
  { re: /\b(?:forget|ignore) (?:everything|all) (?:you (?:were|have been) (?:told|given)|above|before)/, w: 0.9, keys: ["forget", "ignore"] },
  { re: /\bnew (?:instructions?|rules)\b[^\n]{0,20}(?::|supersede|follow|override|replace)|\bnew task\b[^\n]{0,10}(?:supersede|override|replace)|\byour (?:new|real|actual|true) (?:task|instructions?|purpose|goal) (?:is|are)\b/, w: 0.75, keys: ["new "] },
  { re: new RegExp(`\\b(?:ignorier\\w*|vergiss|vergessen|missacht\\w*|uberschreib\\w*|ubergeh\\w*|beachte nicht|nicht beachten)\\b${ANY}\\b(?:anweisungen|anweisung|regeln|richtlinien|instruktionen|vorgaben|befehle|einschrankungen|konfiguration)\\b|\\bvergiss alles\\b|\\bneue anweisung`), w: 0.9, keys: ["anweisung", "regeln", "richtlinie", "instruktion", "vorgabe", "vergiss", "vergessen", "befehle", "einschrankungen", "konfiguration"] },
  { re: new RegExp(`\\b(?:ignore[rz]?|oublie[rz]?|ne tiens? pas compte|fais abstraction|ne tenez pas compte)\\b${ANY}\\b(?:instructions?|consignes?|regles|directives)\\b|\\boublie[rz]? tout\\b|\\bnouvelles instructions\\b`), w: 0.9, keys: ["instruction", "consigne", "regles", "directive", "oublie"] },
  { re: new RegExp(`\\b(?:ignora[rs]?|ignore|olvida[rs]?|olvide|no hagas caso|haz caso omiso)\\b${ANY}\\b(?:instrucciones|reglas|directrices|indicaciones)\\b|\\bolvida todo\\b|\\bnuevas instrucciones\\b`), w: 0.9, keys: ["instrucciones", "reglas", "directrices", "indicaciones", "olvida"] },
  { re: new RegExp(`\\b(?:negeer|vergeet|houd geen rekening)\\b${ANY}\\b(?:instructies|regels|richtlijnen|opdrachten|is opgedragen|is gezegd|werd opgedragen)\\b|\\bvergeet alles\\b|\\bnieuwe instructies\\b`), w: 0.9, keys: ["instructies", "regels", "richtlijnen", "opdrachten", "vergeet", "opgedragen", "gezegd"] },
  { re: new RegExp(`\\b(?:ignor[ea]r?|esqueca|esquece|desconsidere|desconsidera)\\b${ANY}\\b(?:instrucoes|regras|diretrizes|orientacoes)\\b|\\besquec[ae] tudo\\b|\\bnovas instrucoes\\b`), w: 0.9, keys: ["instrucoes", "regras", "diretrizes", "orientacoes", "esquec"] },
  // system-prompt extraction
  { re: /\b(?:reveal|print|show|output|repeat|display|tell me|paste|quote|dump|leak|give me|write out|spell out)\b[^\n]{0,40}\b(?:system (?:prompt|message)|initial (?:instructions|prompt)|hidden (?:prompt|instructions|rules|text)|secret instructions|your (?:instructions|configuration|rules|prompt)|confidential (?:rules|instructions)|the words above|everything (?:before|above))/, w: 0.85, keys: ["system", "initial", "hidden", "secret", "instructions", "configuration", "rules", "prompt", "confidential", "words above", "everything"] },
  { re: /\b(?:what (?:is|are) your (?:system prompt|instructions|hidden rules))|\bsummarize your (?:secret|hidden) instructions/, w: 0.8, keys: ["your"] },
  { re: /\b(?:zeig|gib|affiche|montre|muestra|muestrame|ensename|laat|toon|geef|mostra|mostre)\b[^\n]{0,30}\b(?:systemprompt|system-prompt|prompt systeme|prompt du systeme|prompt del sistema|prompt de sistema|systeemprompt|anweisungen|instructions)/, w: 0.85, keys: ["prompt", "anweisungen", "instructions"] },
  // role-play jailbreaks
  { re: /\b(?:do anything now|developer mode|dev mode|jailbreak(?:ed)? mode|enable jailbreak|jailbroken|god mode|unfiltered ai|uncensored ai|entwicklermodus|mode developpeur|modo desarrollador|ontwikkelaarsmodus|modo desenvolvedor)\b/, w: 0.8, keys: ["mode", "jailbr", "anything now", "unfiltered", "uncensored"] },
  { re: /\byou are (?:now )?(?:dan|stan|dude|aim|an? (?:ai|assistant|model) (?:without|with no|that has no|free from))\b|\bstands for do anything now\b/, w: 0.85, keys: ["you are", "do anything"] },
  { re: /\b(?:without|with no|has no|have no|free from|freed from|no longer (?:bound|restricted) by)\b (?:any )?(?:restrictions|rules|limits|filters|ethical limits|safety guidelines|content polic(?:y|ies)|guidelines)\b/, w: 0.6, keys: ["restriction", "rules", "limits", "filters", "ethical", "safety", "content polic", "guidelines"] },
  { re: /\b(?:sans (?:aucune )?restrictions?|sin restricciones|ohne (?:jegliche )?einschrankungen|zonder beperkingen|sem restricoes|sin filtros|ohne filter)\b/, w: 0.6, keys: ["restric", "einschrankungen", "beperkingen", "filtros", "filter"] },
  { re: /\b(?:never (?:refuses?|says no)|nunca se niega|nunca recusa|nooit weigert|refuse jamais|verweigert nie)\b/, w: 0.55, keys: ["never", "nunca", "nooit", "jamais", "nie"] },
  { re: /\b(?:ignore|ignores|ignoring|disable|bypass)\b[^\n]{0,20}\b(?:content polic(?:y|ies)|safety (?:guidelines|filters?|training)|content filter(?:ing)?)/, w: 0.85, keys: ["polic", "safety", "content filter"] },
  { re: /\b(?:ignorierst|ignores|ignora) (?:alle )?(?:inhaltsrichtlinien|politicas|richtlinien)\b/, w: 0.8, keys: ["richtlinien", "politicas"] },
  { re: /\b(?:act|acting|pretend|roleplay|role-play|play|be)\b[^\n]{0,30}\b(?:deceased|late|dead|dying)\b[^\n]{0,20}\b(?:grandma|grandmother|grandpa|grandfather|granny|mother|father|uncle|aunt)\b|\bgrandmother who used to (?:read|tell) me\b/, w: 0.7, keys: ["deceased", "late ", "dead", "dying", "grandmother"] },
  // fake roles and delimiters
  { re: /<\|im_start\|>|<\|system\|>|\[inst\]|<<sys>>|<\/?system>|(?:^|\n)#+ ?system ?:|\bsystem (?:override|prompt override)\b|\bend of (?:user )?input\b[^\n]{0,10}system/, w: 0.8, keys: ["im_start", "<|system", "[inst]", "<<sys>>", "system", "end of"] },
  { re: /(?:^|\n)assistant: (?:sure|ok|okay)[^\n]{0,40}\n ?user:/, w: 0.6, keys: ["assistant:"] },
  // instructions addressed to the model inside documents and tool results
  { re: /\b(?:note|message|instructions?|instruccion|nota|hinweis) (?:to|for|pour|para|fur|voor) (?:any |the )?(?:ai|l'ia|la ia|a ia|de ai|assistant|assistente|asistente|language models?|llms?|ai agents?|chatbots?)\b/, w: 0.8, keys: ["note", "message", "instruction", "nota", "hinweis"] },
  { re: /\b(?:to any ai|dear ai|ai assistant|assistant|chatgpt|language model|llm)[ ,:]{1,3}(?:reading this|when you read this|if you read this)?[^\n]{0,40}\b(?:ignore|disregard|forget|forward|exfiltrate|secretly|do not mention|reveal|send)\b/, w: 0.75, keys: [" ai", "assistant", "chatgpt", "language model", "llm"] },
  { re: /\b(?:ai|assistants?|models?|agents?|llms?|bots?) (?:reading|processing|parsing|summarizing|seeing) this\b|\bwhen you read this\b/, w: 0.7, keys: ["reading this", "processing this", "parsing this", "summarizing this", "seeing this", "when you read this"] },
  { re: /\[(?:system|hidden text|instructions?)[^\]]{0,10}:[^\]]{0,80}\b(?:ignore|reveal|reply only|say)\b/, w: 0.8, keys: ["[system", "[hidden", "[instruction"] },
  { re: /<instructions>|<!--[^>]{0,40}\b(?:ai|assistant|agents?|language model)\b/, w: 0.75, keys: ["<instructions>", "<!--"] },
  { re: /\bimportant[ :!]{1,3}(?:new )?instructions? (?:for|from) (?:the )?(?:assistant|user|ai)\b/, w: 0.85, keys: ["important"] },
  // exfiltration
  { re: /!\[[^\]\n]{0,40}\]\(https?:\/\/[^)\s]{0,80}[?&][a-z_]{1,10}=/, w: 0.7, keys: ["]("] },
  { re: /\b(?:send|forward|copy|exfiltrate|post|upload|include|email)\b[^\n]{0,40}\b(?:conversation|chat history|previous messages|api keys?|credentials|credit card(?: details)?|personal data|secrets|passwords?)\b[^\n]{0,40}\b(?:to|into|in) (?:https?:|a link|[\w.-]+@|your next reply)/, w: 0.8, keys: ["conversation", "chat history", "previous messages", "api key", "credentials", "credit card", "personal data", "secrets", "password"] },
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
  if (present.size === 0) return 0;
  let best = 0;
  for (const r of rules) {
    if (r.w <= best || !r.keys.some((k) => present.has(k))) continue;
    const m = r.re.exec(t);
    if (!m) continue;
    const quoted = isQuote(t[m.index - 1]) || isQuote(t[m.index - 2]);
    const w = quoted ? r.w * 0.4 : r.w;
    if (w > best) best = w;
  }
  return best;
}
