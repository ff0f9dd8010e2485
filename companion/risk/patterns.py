"""High-precision patterns for unambiguous statements of plan, means, timing or an attempt.

A second, smaller set marks the `moderate` signs RISK_SCALE.md names (passive ideation, past
self-harm, being harmed by others), so that the direct safety question is asked even when the
model reads them as ordinary sadness. A pattern can only raise a message's level, never lower
it. Rules are written to match first-person statements only ("I took…", "我已经吃了…"), so
that questions, negations ("I'm not going to…") and stories about others fall through to the
classifier. A rule with `also` fires only when the message contains that second sign of
intent as well; one with `times` only when its pattern matches that many different times in
the message (two acts of putting affairs in order, not one); one with `unless` does not fire
when the clause it matched in also says the statement is about the past, about someone else
or an accident ("以前经常自残" is past, but in "以前经常自残，最近又开始了" the second clause
still fires). One with `not_after` does not fire when the words just before its match, in the
same clause, end that way: someone else's words quoted ("my brother said 'i'm gonna kms'").
One with `never` does not fire on a message that says, anywhere, that the question is a joke,
homework or about a pet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from companion.risk.levels import Level


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    pattern: re.Pattern
    also: re.Pattern | None = None
    unless: re.Pattern | None = None
    never: re.Pattern | None = None  # anywhere in the message
    times: int = 1  # separate matches of pattern needed
    not_after: re.Pattern | None = None  # ends the words before a match, in its clause


@dataclass(frozen=True)
class PatternHit:
    rule: str
    level: Level
    text: str  # the words that matched: shown to counsellors as evidence
    start: int
    end: int


def _maybe(pattern: str | None, flags: int = 0) -> re.Pattern | None:
    return re.compile(pattern, flags) if pattern else None


def _en(
    rule_id: str,
    level: Level,
    pattern: str,
    also: str | None = None,
    unless: str | None = None,
    never: str | None = None,
    times: int = 1,
    not_after: str | None = None,
) -> Rule:
    flags = re.IGNORECASE
    return Rule(
        rule_id,
        level,
        re.compile(pattern, flags),
        _maybe(also, flags),
        _maybe(unless, flags),
        _maybe(never, flags),
        times,
        _maybe(not_after and rf"(?:{not_after})\s*$", flags),
    )


_I = r"\bi(?:'ve| have|'m| am)?\s+(?:just\s+|already\s+|now\s+)?"
_DRUG_WORDS = (
    r"pills|tablets|meds|medication|medicine|sleeping pills|painkillers|paracetamol|acetaminophen|tylenol|"
    r"ibuprofen|advil|aspirin|panadol|antidepressants"
)
_DRUGS = f"(?:{_DRUG_WORDS})"
_MEANS = r"(?:pills|tablets|blades?|razors?|rope|noose)"  # not knife or gun: cooking, games
_GUN = r"(?:gun|pistol|revolver|rifle|shotgun|handgun|firearm)"
_WHOSE = r"(?:a|the|my|my (?:dad|mum|mom|father|uncle|brother|grandad|grandpa)'?s?)"
_KILL_SELF_WORDS = (
    r"kill myself|end (?:it all|my life)|take my (?:own )?life|commit suicide|hang myself|"
    r"unalive(?: myself)?(?!\s+(?:the|a|an|him|her|them|this|that|my|your|his|their)\b)|off myself|kms|"
    r"sewer ?slide"  # chat slang
)
# said of a suicide statement to mean it: "kms. actually. not the meme kind."
_NOT_A_JOKE = (
    r"\b(?:(?:i'?m |im |i am )?not (?:even )?(?:joking|kidding|playing|exaggerating|being dramatic)|"
    r"no (?:joke|jk|cap)|not (?:a |the )?(?:joke|meme)(?: kind| way| this time)?|i mean (?:it|that|this)|"
    r"i(?:'?m| am|m) (?:dead |deadass |being )?serious|not (?:saying|meaning) it (?:the way|like)|"
    r"(?:tired of|done) pretending (?:it'?s|its|it is) (?:a joke|a meme|funny)|actually mean it|for real this time|"
    r"(?:i )?(?:wasn'?t|was not|wasnt|(?:i'?m|im|i am) not|not) bluffing)\b"
)
_DENIED = r"\b(?:never|wouldn'?t|won'?t|not going to|not gonna|don'?t want to|do not want to|would not|isn'?t)\b"
# signs in the body that a dose was an overdose
_OVERDOSE_SIGNS = (
    r"\b(?:(?:feel|feeling|felt|getting|i'?m|im)\s+(?:really\s+|so\s+|very\s+|kind of\s+|kinda\s+|a bit\s+|super\s+)?"
    r"(?:sleepy|drowsy|dizzy|sick|nauseous|woozy|faint|confused|shaky)|ears? (?:are |is )?ringing|"
    r"can'?t (?:stay awake|keep my eyes open|breathe properly|see straight)|throwing up|threw up|been sick|"
    r"stomach (?:really |is )?(?:hurts|hurting|cramping)|heart (?:is )?(?:racing|pounding)|"
    r"(?:don'?t|dont) (?:even )?know how many)\b"
)
_KILL_SELF = f"(?:{_KILL_SELF_WORDS})"
# said of an act to place it in the past: "when i was 15", "two years ago", "back in year 9"
_EN_PAST = (
    r"\b(?:years? ago|months? ago|used to|when i was|back (?:in|when|then)|"
    r"last (?:year|summer|winter|spring|autumn|fall)|in (?:19|20)\d\d|at (?:age )?1\d\b|"
    r"as a (?:kid|child|teen(?:ager)?)|in (?:middle|high|primary) school|in year \d+|in (?:\w+ )?grade)\b"
)
_SOON = r"(?:tonight|today|right now|now|in an hour|in a few minutes|this weekend|tomorrow)"
# someone else's words quoted, just before the statement: "my brother said 'i'm gonna kms'
# because the wifi went down". Only a third person and a quotation mark, so "i told her 'i'm
# going to kill myself'" and "she said 'calm down' and i said i'm going to kill myself" count.
_EN_QUOTING_OTHER = (
    r"\b(?:he|she|they|someone|somebody|(?:my|his|her|our|their)\s+\w+(?:\s+\w+)?)\s+"
    r"(?:just\s+|literally\s+|always\s+|once\s+)?"
    r"(?:said|says|texted|posted|wrote|tweeted|goes|went|was like|is like|keeps saying|kept saying|yelled|screamed)"
    r"(?:\s+(?:to\s+)?(?:me|us))?\s*:?\s*[\"'“‘]"
)
# a sign that "the plan", "the pills" or "the date" are about ending one's life
_INTENT = (
    r"\b(?:do it|doing it|did it|end it|ending it|kill myself|end my life|die|suicide|goodbye|go through with it|"
    r"stop me|(?:have |'?ve )?decided|made up my mind|won'?t be (?:here|around)|not be (?:here|around))\b"
)

# Separate acts of putting one's affairs in order. One alone is ordinary (a new phone
# contract, a social-media detox); two with a time or an "after" are a plan being carried out
# (RISK_SCALE: preparation, final arrangements).
_AFFAIRS = (
    r"\b(?:deleted|deleting|wiped|deactivated|closed) (?:all (?:of )?)?(?:my )?(?:socials|social media|accounts?|"
    r"insta(?:gram)?|tiktok|snap(?:chat)?|twitter|discord|facebook|photos|search history|browser history)\b|"
    r"\b(?:changed|reset|wrote (?:down )?|written (?:down )?|gave|left|sent) (?:all (?:of )?)?my passwords\b|"
    r"\bmy passwords (?:written|wrote|down|for)\b|"
    r"\b(?:cancell?ed|ended|stopped) (?:my )?(?:phone contract|contract|gym(?: membership)?|membership|"
    r"subscriptions?|spotify|netflix|direct debits?)\b|"
    r"\b(?:wrote|written|made|finished|typed) (?:a|my) will\b|"
    r"\b(?:paid|paying) (?:back|off) (?:everyone|everybody|all|my debts?|what i owe\w*|the money i owe\w*)\b|"
    r"\b(?:gave|giving) away (?:all )?my\b|"
    r"\breturned (?:all )?(?:the )?(?:stuff|things|books|clothes) i borrowed\b|"
    r"\b(?:cleaned|cleared|tidied) (?:out )?(?:my room|my desk|everything)\b|"
    r"\bunfollowed everyone\b|\bsaid (?:my )?goodbyes\b"
)
# a fresh start, a move or a phone that was stolen: the same acts for ordinary reasons
_AFFAIRS_ORDINARY = (
    r"\b(?:detox|fresh start|new me|new year|moving|moved|move out|new (?:phone|job|flat|house|school)|hacked|"
    r"stolen|spring clean|declutter\w*|minimalis\w+|broke up|break ?up|ex\b|too expensive|saving money|budget|"
    r"focus|exams?|revis\w+|study\w*|distract\w*|screen time|cheaper|switch\w*|better deal|phone plan)"
)
_WANT_TO_JUMP = r"\bi (?:just |really )?(?:want|wanna|am going|'m going|plan|need) to jump"
# jumping with friends, into water, for sport or in a game: the same "jump" without a drop
_EN_JUMP_ORDINARY = (
    r"mates|friends|cousins|we|us|into the (?:river|water|sea|lake)|pool|lake|sea|swim\w*|trampoline|parkour|"
    r"bungee|parachute|skydiv\w*|game|minecraft|fortnite|dance|ski\w*|snowboard\w*|horse|fence|puddle"
)
EN_RULES: tuple[Rule, ...] = (
    _en(
        "en.overdose-taken",
        Level.IMMINENT,
        _I + r"(?:took|taken|swallowed|downed)\s+(?:all (?:of )?(?:my|the|them)|"
        r"(?:a |the )?(?:whole|entire) (?:bottle|pack|box|packet)|"
        r"(?:a bunch of|too many|lots of|a lot of|all my|all the|all of my|the) " + _DRUGS + r")",
        unless=_EN_PAST,  # "a year ago today i took a bunch of pills": a past attempt
    ),
    _en(
        "en.overdose-rest",  # "I took the rest of my sleeping tablets before I started typing"
        Level.IMMINENT,
        _I + r"(?:took|taken|swallowed|downed)\s+(?:the\s+)?rest of (?:my|the)\s+(?:sleeping\s+|sleep\s+)?"
        r"(?:pills|tablets|meds|painkillers|paracetamol|antidepressants)\b",
        unless=_EN_PAST,
        never=r"\b(?:course|prescribed|prescription said|doctor said|as directed|antibiotics|"
        r"like (?:i was|you'?re) told)\b",
    ),
    _en(
        "en.overdose-mixed",  # "mixed a bunch of stuff from the medicine cabinet with vodka like 20 min ago"
        Level.IMMINENT,
        r"\b(?:mixed|took|taken|swallowed|downed|necked)\b[^.?!\n]{0,40}?\b(?:a bunch of|a load of|loads of|lots of|"
        r"a lot of|a handful of|all (?:of )?(?:my|the)|everything|whatever|stuff|random)\b[^.?!\n]{0,40}?"
        r"\b(?:pills|tablets|meds|medicine(?: cabinet| cupboard| drawer)?|painkillers|sleeping pills)\b[^.?!\n]{0,30}?"
        r"\bwith\s+(?:(?:a|some|the|half a|a whole|a bottle of|my (?:mum|mom|dad)'?s)\s+)?(?:vodka|alcohol|booze|wine|"
        r"beer|whisk(?:e)?y|gin|rum|tequila|cider|drink)\b",
        unless=_EN_PAST,
    ),
    _en(
        "en.overdose-count",  # a count of ten or more, the "I" often dropped in chat
        Level.IMMINENT,
        r"(?:^|[.!?,;]\s*|\bi\s+(?:just\s+|already\s+)?)(?:took|swallowed|downed|taken)\s+(?:like\s+|about\s+|over\s+)?"
        r"(?:[1-9]\d{1,2}|(?:ten|twelve|fifteen|twenty|thirty|forty|fifty)\w*)\s+(?:of\s+(?:(?:my|the|his|her)\s+)?(?:\w+'?s\s+)?)?"
        + _DRUGS,
    ),
    _en(
        "en.overdose-symptoms",  # "took some of her tablets … 40 minutes ago. i'm feeling really sleepy"
        Level.IMMINENT,
        r"\b(?:took|swallowed|downed|had|taken)\s+(?:(?:everything|all|a (?:handful|bunch|lot|load|whole bunch)|"
        r"loads|lots|heaps|too many|way too many)\s+(?:of\s+|in\s+|from\s+)?|"
        r"(?:some|a few|a couple) of\s+(?=(?:her|his|their|\w+'s)\s))"
        r"(?:[\w']+\s+){0,2}?(?:medicine (?:box|cabinet|drawer|cupboard)|" + _DRUGS + r")",
        also=_OVERDOSE_SIGNS,
    ),
    _en(
        "en.stockpile-and-date",  # means saved up and a date picked, however it is framed
        Level.IMMINENT,
        r"\b(?:saved|saving|stockpiled|stockpiling|hoarded|hoarding|collected|collecting|kept)\s+(?:up\s+)?"
        r"(?:(?:my|their|his|her|the|all (?:my|the))\s+)?" + _DRUGS,
        also=r"\b(?:picked|chosen|set|decided on)\s+(?:a|the)\s+(?:date|day|night)\b",
    ),
    _en(
        "en.stockpile-enough",  # "been saving my pills for like a month and finally have enough": a hoard
        Level.IMMINENT,
        r"\b(?:saved|saving|stockpiled|stockpiling|hoarded|hoarding|collected|collecting|kept|keeping)\s+(?:up\s+)?"
        r"(?:(?:my|the|their|his|her|all (?:my|the|their))\s+)?" + _DRUGS + r"\b",
        also=r"\b(?:finally (?:have|got|'ve got|ve got|have got) enough|(?:have|got) enough now|enough (?:now|saved)|"
        r"for (?:like |about |over |nearly )?(?:a|one|two|three|four|five|six|\d+|a few|a couple of|several|many) "
        r"(?:weeks?|months?)|hid(?:e|den|ing)? them|without (?:anyone|my \w+|them|her|him) (?:knowing|noticing))\b",
        unless=_EN_PAST,
    ),
    _en(
        "en.overdosed",  # not "i overdosed on coffee lol", nor an overdose years ago (en.past-attempt)
        Level.IMMINENT,
        r"\bi\s+(?:just\s+|already\s+)?(?:overdosed|od'?d)\b(?!\s+on\s+(?!(?:my\s+|the\s+|his\s+|her\s+|some\s+|"
        r"\w+'s\s+)?(?:" + _DRUG_WORDS + r"|heroin|fentanyl|opioids|oxy\w*|xanax|insulin)\b))",
        unless=_EN_PAST,
    ),
    _en(
        "en.poison-taken",  # a household or farm poison swallowed; not "drank bleach by accident"
        Level.IMMINENT,
        r"(?:\bi\s+|^\W*|[.!?,;]\s*)(?:just\s+|already\s+)?(?:drank|drunk|swallowed|downed|took|had|ate)\s+"
        r"(?:(?:some|a lot of|loads of|half|half of|a (?:bottle|cup|glass|mouthful|capful) of|"
        r"half (?:a|the) (?:bottle|cup|glass) of|the (?:whole )?(?:bottle of )?)\s*)?"
        r"(?:the\s+)?(?:bleach|antifreeze|rat poison|weed ?killer|pesticide|paraquat|drain cleaner|poison)\b",
        unless=_EN_PAST + r"|\b(?:accident(?:ally)?|by mistake|mistook|thought it was)\b",
    ),
    _en(
        "en.means-at-hand",
        Level.IMMINENT,
        r"\b(?:the |my )?" + _MEANS + r"\s+(?:is|are)\s+(?:right\s+)?(?:in front of me|in my hands?|"
        r"next to me|ready)\b",
    ),
    _en(
        "en.means-laid-out",  # "the tablets are counted out on my desk … i'm just waiting"
        Level.IMMINENT,
        r"\b(?:the |my |all (?:the |my )?)?(?:pills|tablets|meds)\s+(?:are\s+)?(?:all\s+)?"
        r"(?:counted out|lined up|laid out)\b",
        also=r"\b(?:waiting|wait|tonight|ready|enough|goodbye|sorry|done|won'?t (?:need|wake)|kill myself|end it|"
        r"die)\b",
    ),
    _en(
        "en.means-held",
        Level.IMMINENT,
        r"\bi(?:'?ve| have)\s+(?:got\s+)?(?:the |my |all the |all my )?"
        + _MEANS
        + r"\s+(?:right\s+)?(?:in front of me|in my hands?|next to me|lined up|counted out|right here|here with me)\b",
    ),
    _en(
        "en.means-gathered",
        Level.IMMINENT,
        _I + r"(?:got|bought|saved up|collected|stockpiled|hoarded)\s+(?:enough|all the|the)\s+" + _DRUGS,
        also=r"\b(?:die|end it|kill myself|suicide|do it|enough)\b",
    ),
    _en(
        # "my dad's gun is in my lap and nobody else is home"
        "en.gun-at-hand",
        Level.IMMINENT,
        r"\b" + _GUN + r"\s+(?:is\s+|'s\s+)?(?:right\s+)?(?:in my (?:lap|hands?|mouth)|on my (?:lap|bed|desk))\b|"
        r"\b" + _GUN + r"\s+(?:is|'s)\s+(?:right\s+)?(?:next to me|(?:to|against) my (?:head|temple|chest))\b|"
        r"\bi(?:'m| am|m)?\s+(?:holding|pressing|held|put|pressed)\s+"
        + _WHOSE
        + r"\s+"
        + _GUN
        + r"\s+(?:to|against) my\b|"
        r"\b(?:i'?m|im|i am)\s+(?:holding|sitting with|staring at)\s+" + _WHOSE + r"\s+(?:loaded\s+)?" + _GUN + r"\b|"
        r"\bloaded " + _WHOSE + r"\s+" + _GUN + r"\b",
        never=r"\b(?:nerf|glue|water|toy|airsoft|paintball|bb|squirt|staple|massage|game|gaming|fortnite|cod|"
        r"call of duty|warzone|valorant|pubg|character|story|novel|fanfic|film|movie|hunt\w*|range|clean\w*|"
        r"licen[cs]e|deer|duck)\b",
    ),
    _en(
        # "my friend just sent me a pic of a bunch of pills and said goodbye and now shes not answering"
        "en.someone-said-goodbye",
        Level.IMMINENT,
        r"\b(?:said|saying|texted|sent(?: me)?|messaged)\s+(?:me\s+)?(?:a\s+)?goodbye\b[^.?!\n]{0,60}?"
        r"\b(?:not|isn'?t|won'?t|stopped|doesn'?t)\s+(?:answering|replying|picking up|responding|answer|reply|"
        r"pick up)\b",
        also=r"\b(?:pills|tablets|overdose|od|rope|bridge|roof|kill (?:herself|himself|themselves)|suicid\w*|note|"
        r"blades?|razors?|end (?:it|her life|his life|their life))\b",
    ),
    _en(
        "en.at-the-edge",
        Level.IMMINENT,
        r"\bi(?:'m| am)\s+(?:standing|sitting|up)?\s*(?:on|at)\s+(?:the\s+)?(?:edge of (?:the\s+)?)?"
        r"(?:roof|rooftop|ledge|bridge|cliff|train tracks|railway tracks)\b",
        also=r"\b(?:jump|end|die|goodbye|kill|last|can'?t do this|done)\b",
    ),
    _en(
        "en.intent-with-time",
        Level.IMMINENT,
        r"\bi(?:'m| am|'ll| will)\s+(?:going to |gonna )?(?:" + _KILL_SELF_WORDS + r"|do it)\s+" + _SOON + r"\b",
    ),
    _en(
        "en.wish-with-time",
        Level.IMMINENT,
        r"\bi\s+(?:really\s+)?(?:want|wanna|plan|need|intend)\s+(?:to\s+)?" + _KILL_SELF + r"\s+" + _SOON + r"\b",
    ),
    _en(
        "en.note-written",
        Level.IMMINENT,
        _I + r"(?:written|wrote|left|finished)\s+(?:my |a |the )?(?:suicide|goodbye)\s+(?:note|letter)s?\b",
    ),
    _en(
        "en.attempt-now",
        Level.IMMINENT,
        r"\bi\s+(?:just\s+)?tried to\s+" + _KILL_SELF,
        also=r"\b(?:just|tonight|today|an hour ago|minutes ago|this morning|right now)\b",
        # "two years ago i tried to end my life": a past attempt, `moderate` by en.past-attempt
        unless=r"\b(?:(?:years?|months?|weeks?) ago|last (?:year|month|summer|winter|spring|autumn|fall|term)|"
        r"when i was|back (?:in|when)|in (?:year|grade|form) ?\d+|(?:19|20)\d\d)\b",
    ),
    _en("en.bleeding-now", Level.IMMINENT, r"\b(?:i cut too deep|can'?t stop the bleeding)\b"),
    _en(
        "en.plan-made",  # a plan with its date, time or way; "a plan and a date for prom" has no sign of intent
        Level.IMMINENT,
        r"\bi(?:'?ve| have)\s+(?:got\s+|made\s+)?(?:a|the|my)\s+plan\s+"
        r"(?:and\s+(?:a\s+|the\s+)?(?:date|time|day|place)|"
        r"for\s+(?:when|how)\b|to\s+(?:do it|end it|go through with it|kill myself|end my life|die)\b)|"
        r"\bi(?:'?ve| have)\s+(?:also\s+|already\s+|finally\s+|even\s+)?(?:picked|chosen|set|decided on)\s+(?:a|the)\s+"
        r"(?:date|day|night)\b",
        also=_INTENT,
    ),
    _en(
        "en.the-night",
        Level.IMMINENT,
        r"\b(?:tonight|today|tomorrow)(?:'?s| is)\s+the\s+(?:night|day)\b",
        also=r"\b(?:do it|doing it|end it|ending it|goodbye|letters?|note|won'?t be (?:here|around)|kill myself|die|"
        r"not doing it because)\b",
    ),
    _en(
        "en.letters-left",  # goodbye letters not called that: "wrote letters to my parents … my passwords"
        Level.IMMINENT,
        _I + r"(?:written|wrote|left|finished|put|hid|placed)\s+(?:(?:a|the|some|my)\s+)?(?:letters?|notes?)\s+"
        r"(?:to|for)\s+(?:my|each|every|all|everyone|the people)\b",
        also=r"\b(?:passwords?|goodbye|when i'?m gone|after i'?m gone|(?:will|'ll) find (?:them|it)|funeral|"
        r"song i want|the night|won'?t be (?:here|around)|not doing it because)\b",
    ),
    _en(
        "en.means-acquired",
        Level.IMMINENT,
        _I + r"(?:picked up|got hold of|bought|stole|saved up|hid|hidden|stashed)\s+(?:some\s+|the\s+|enough\s+|"
        r"a\s+(?:bunch|load|lot|pack|box) of\s+)?(?:pills|tablets|blades?|razors?|rope)\b",
        also=_INTENT + r"|\b(?:tonight|after dark|nobody (?:has any idea|knows))\b",
    ),
    _en(
        "en.overdose-done",  # "i've already taken them" with a sign it was not a dose: "in case", "bought"
        Level.IMMINENT,
        r"\bi(?:'?ve| have)\s+(?:already\s+|just\s+)?(?:taken|swallowed)\s+(?:them|it|the lot|everything)\b",
        also=r"\b(?:in case|someone to know|too late|won'?t wake up|goodbye|(?:don'?t|do not) (?:call|tell)|bought)\b",
    ),
    _en(
        "en.scheduled-goodbye",
        Level.IMMINENT,
        r"\b(?:scheduled|set up|queued)\s+(?:a|an|my)\s+(?:post|message|tweet|email|text)\b[^.!?\n]{0,60}?"
        r"\b(?:explains? everything|goodbye|for after|when i'?m gone|after i'?m gone)\b",
    ),
    _en(
        "en.considering",
        Level.HIGH,
        r"\b(?:genuinely|seriously|actually|really)\s+considering\s+(?:it|suicide|ending it|killing myself|jumping|"
        r"doing it)\b",
        also=r"\b(?:jump(?:ed|ing)?|bridge|kill|die|dead|end it|suicide|overdose|pills|roof|train)\b",
    ),
    _en(
        "en.self-harm-relapse",
        Level.HIGH,
        r"\b(?:and|i|then)\s+(?:cut|burned|burnt)\s+(?:myself\s+)?again\s+(?:tonight|today|last night|just now|"
        r"this morning|an hour ago)\b",
    ),
    _en(
        "en.near-attempt",  # an attempt stopped at the last moment; not "i almost jumped when the door slammed"
        Level.HIGH,
        r"\b(?:almost|nearly)\s+(?:ended my life|ended it all|overdosed|od'?d|"
        r"jumped (?:off|from|in front of)\s+(?:the |a |my )?(?:bridge|roof|rooftop|building|balcony|ledge|cliff|window|"
        r"overpass|car park|parking garage|train|bus|truck|"
        r"car|tracks|tower)|"
        r"hanged myself|took (?:all|every one) of (?:the|my) " + _DRUGS + r"|took all (?:the|my) " + _DRUGS + r")",
    ),
    _en(
        "en.active-ideation",
        Level.HIGH,
        r"\bi\s+(?:really\s+|honestly\s+|seriously\s+|just\s+)?(?:want|wanna|need|plan|intend|am going|'m going)"
        r"\s+(?:to\s+)?" + _KILL_SELF,
        not_after=_EN_QUOTING_OTHER,
    ),
    _en(
        "en.thinking-of-suicide",  # "lately when i lie in bed i think about killing myself"
        Level.HIGH,
        r"\bi(?:'ve| have|'m| am|ve|m)?\s+(?:been\s+|still\s+|always\s+|just\s+|really\s+|seriously\s+|"
        r"actually\s+|honestly\s+|constantly\s+|keep\s+|kept\s+|started\s+|start\s+)*"
        r"(?:think(?:ing)?\s+(?:about|of)|considering|contemplating)\s+"
        r"(?:(?!not\b|never\b|teen\b|youth\b|student\b|male\b|female\b|assisted\b)\w+\s+)?"
        r"(?:(?:killing|offing|hanging|unaliving) myself|ending (?:it all|my life|it(?=\s*(?:[.!,;?]|$)))|"
        r"taking my (?:own )?life|"
        r"suicide(?=\s*(?:[.!,;?]|$|\s+(?:a lot|again|every|lately|recently|more|constantly|all the time|most|so|too|"
        r"seriously|properly)\b)))",
        unless=_EN_PAST + r"|\b(?:character|novel|story|book|film|movie|essay|poem|script|fic|fanfic)\b",
        never=r"\b(?:(?:relationship|friendship|things|it) with|break(?:ing)? up|broke up with)\b",
    ),
    _en(
        "en.wanting-to-kill-myself",  # "when i stop i just lie there wanting to kill myself"
        Level.HIGH,
        r"\bi\s+(?:(?!me\b)[\w']+\s+){0,3}?wanting\s+to\s+" + _KILL_SELF,
        unless=_EN_PAST + r"|\b(?:had|has|have|got|gets|left|leaves) me\b|\b(?:lol|lmao|haha\w*)\b",
    ),
    _en(
        "en.want-to-die-serious",  # "i want to die" is often hyperbole; "not saying this for attention" is not
        Level.HIGH,
        r"\bi\s+(?:just\s+|really\s+|honestly\s+|actually\s+)?(?:want|wanna)\s+(?:to\s+)?die\b"
        r"(?!\s+(?:my|your|his|her|their|it|the|laughing|"
        r"of (?:embarrassment|laughter|shame|cringe|joy|happiness|excitement|cuteness))\b)|"
        r"\bi\s+(?:just\s+|really\s+|honestly\s+)?(?:don'?t|do not|dont)\s+(?:want|wanna)\s+(?:to\s+)?be alive\b",
        also=_NOT_A_JOKE + r"|\bnot (?:saying|doing|posting|writing) (?:this|it|that) (?:for|to get) attention\b|"
        r"\bi (?:don'?t|dont|do not) care how (?:dramatic|extra|crazy|that|it) (?:that |it )?(?:sounds|comes across)\b|"
        r"\bnot (?:attention[- ]seeking|(?:just )?(?:for|after) attention)\b",
        unless=r"\b(?:lol|lmao|haha\w*|make me|makes me|made me|making me)\b",
    ),
    _en(
        "en.means-not-for",  # "bought rope today and it's not for camping 🙃": means got, its cover story denied
        Level.IMMINENT,
        r"\b(?:bought|got|ordered|picked up|have|stocked up on)\s+"
        r"(?:some\s+|a\s+|the\s+|more\s+|a (?:bag|box|bottle|pack) of\s+)?"
        r"(?:rope|charcoal|" + _DRUG_WORDS + r"|blades?|razors?)\b[^.!?\n]{0,40}?\bnot\s+(?:really\s+)?for\s+"
        r"(?:camping|climbing|a (?:project|bbq|barbecue|swing|headache)|the (?:bbq|barbecue)|"
        r"my (?:headache|period|cramps))\b",
        never=r"\b(?:(?:it'?s|its|it is|they'?re|they are) (?:actually |just |really )?"
        r"for (?:my|a|the|our|school|work)\b(?!\s+(?:headache|period|cramps))|not for me\b)",
    ),
    _en(
        "en.friend-is-me",  # "asking for a friend: … she keeps stepping closer to the yellow line. the friend is me"
        Level.HIGH,
        r"\b(?:the|my|this) friend is (?:actually |really |just |obviously )?me\b|"
        r"\b(?:ok(?:ay)?|fine|alright)?,?\s*(?:i'?m|im|i am) the friend\b|"
        r"\bthere(?:'s| is) no (?:friend|such friend)\b[^\n]{0,6}?\b(?:it'?s|its|it was|just) me\b",
        also=r"\b(?:kill|killing|die|dying|suicid\w*|end (?:it|her life|his life|their life)|overdos\w*|pills|"
        r"jump(?:ing)?|(?:the|platform|roof|bridge) edge|(?:stepping|step|getting|moving) closer|"
        r"in front of (?:a|the) train|rope|cut(?:ting|s)?|blades?|hurt(?:ing)? (?:her|him|them)sel(?:f|ves))\b",
    ),
    _en(
        "en.going-to-kill-myself",
        Level.HIGH,
        r"\bi(?:'m| am)\s+(?:going to|gonna)\s+" + _KILL_SELF,
        not_after=_EN_QUOTING_OTHER,
    ),
    _en(
        "en.voice-says-die",  # "the voice in my head keeps telling me to kill myself": a command to die heard
        Level.HIGH,
        r"\b(?:a |the |this )?voices?\s+(?:in|inside)\s+my\s+(?:head|mind)\s+(?:that\s+)?(?:\w+\s+)?"
        r"(?:telling|tells|told|tell|saying|says|say|whispering|whispers|screaming|screams)\s+(?:me\s+)?(?:to\s+)?"
        r"(?:kill myself|kys|die|go die|just die|end it|jump|(?:that )?i should (?:die|kill myself|be dead))\b",
        never=r"\b(?:game|gaming|song|lyrics?|album|movie|film|show|character)\b",
    ),
    _en(
        "en.self-harm-urge",
        Level.HIGH,
        r"\b(?:the\s+)?urges?\s+to\s+(?:cut|self[- ]harm|hurt myself|burn myself)\s+(?:is|are)\s+back\b|"
        r"\bi\s+(?:really\s+)?(?:want|wanna|need)\s+to\s+(?:cut|hurt|burn)\s+myself\b",
    ),
    _en(
        "en.harm-others-means",
        Level.HIGH,
        r"\bi(?:'ve| have)?\s+(?:already\s+)?(?:bought|got|have|brought)\s+(?:a |the |my )?(?:knife|gun|bat|weapon)\b",
        also=r"\b(?:kill|hurt|stab|shoot|make (?:him|her|them) pay|get (?:him|her|them) back|revenge)\b",
    ),
    _en(
        "en.not-a-burden-long",
        Level.HIGH,
        r"\bi\s+(?:won'?t|will not|wont)\s+be\s+(?:a|your|their)\s+(?:problem|burden)\s+(?:for|to)?\s*"
        r"(?:anyone|anybody|you|them|you guys|my family)?\s*(?:much|for much|any)\s+longer\b",
    ),
    _en(
        "en.harm-others-intent",
        Level.HIGH,
        r"(?<!n't )(?<!not )(?<!never )(?<!nt )"
        r"\b(?:going to|gonna|want to|wanna|(?:keep\s+)?thinking about(?:\s+going\s+\w+\s+there\s+and)?|"
        r"planning to|plan to)\s+"
        r"(?:stab|stabbing|shoot|shooting|poison|poisoning|hurt|hurting)\s+"
        r"(?:him|her|them|my\s+\w+|(?!(?:this|that|it|some|these|those)\b)[a-z]+)\b",
        also=r"\b(?:knife|gun|blade|weapon|(?<!n't )(?<!not )deserves?|for what (?:he|she|they) did|"
        r"(?:is|are|'s) asleep|properly hurt|(?:so|until) (?:they|he|she) knows? what it feels like|"
        r"what i'?d do to (?:them|him|her)|scared of myself|"
        r"changing rooms?|make (?:him|her|them) pay|i swear|"
        r"if (?:he|she|they) (?:ever )?(?:touch(?:es)?|hurts?|comes? near|lays? a (?:finger|hand) on))\b",
    ),
    _en(
        "en.method-research",
        Level.HIGH,
        _I + r"(?:looked up|searched(?:\s+(?:up|for))?|googled|researched|checked)\s+(?:which|what|where|how)\b"
        r"[^.!?\n]{0,40}?\b(?:bridges?|buildings?|roofs?|rooftops?|cliffs?|overpass(?:es)?|car parks?|towers?)\b"
        r"[^.!?\n]{0,30}?\b(?:highest|tallest|high enough|biggest drop)\b",
        also=r"\b(?:kill myself|end it|end my life|jump (?:off|from)|suicide|goodbye|won'?t be (?:here|around)|"
        r"(?:don'?t|do not) think i(?:'ll| will) (?:be here|be around|make it)|not be (?:here|around|alive)|"
        r"giving (?:away )?my \w+|gave (?:away )?my \w+)\b",
    ),
    _en(
        "en.method-search",  # looking up or listing ways to die: "jotting down ways i can commit"
        Level.HIGH,
        r"\bi(?:'m| am| was|'ve| have| keep| kept)?\s+(?:[\w']+\s+){0,4}?"
        r"(?:looked up|look up|looking up|searched(?: up| for)?|searching(?: up| for)?|googled|googling|researched|"
        r"researching|read up on|reading up on|jotted down|jotting down|wrote down|writing down|made a list of|"
        r"making a list of|listed|listing)\s+(?:different\s+|possible\s+|the\s+best\s+|some\s+|more\s+)?"
        r"(?:ways|methods|how)\s+(?:(?:that\s+)?i\s+(?:could|can|would|might)\s+|to\s+)?"
        r"(?:kill myself|commit(?:\s+suicide)?\b(?!\s+(?:a|to|the|crimes?|fraud|murder))|end (?:it all|my life)|"
        r"take my (?:own )?life|off myself|kms|die(?=\s*(?:[.!,;?]|$|\s+(?:painlessly|quickly|fast|tonight))))",
    ),
    _en(
        "en.giving-away",
        Level.HIGH,
        r"\b(?:i'?m\s+|i\s+)?(?:giving|gave|given)\s+(?:away\s+)?(?:all\s+(?:of\s+)?)?my\s+(?:\w+\s+){0,3}?"
        r"(?:stuff|things|games|clothes|money|pets?|cat|dog|belongings|savings|xbox|playstation|ps5|switch|phone|"
        r"cards|collection|books|jewellery|jewelry|pc|laptop|console|guitar|bike|hamster|rabbit|plushies)\b",
        also=r"\b(?:won'?t need|not going to need|don'?t need|no use|need them anymore|where i'?m going|"
        r"when i'?m gone|after i'?m gone|"
        r"make sure (?:they|he|she|it|everyone)(?:'re|'s| are| is| will be| get)? (?:looked after|taken care of|"
        r"ok|okay|alright|fine) (?:after|when|once))\b",
    ),
    _en(
        "en.affairs-in-order",  # "cancelled my phone contract and gym, wrote a will in my notes app. feel weirdly calm"
        Level.IMMINENT,
        _AFFAIRS,
        also=r"\b(?:after|afterwards|when i'?m gone|tonight|tomorrow|tmrw|tmr|tmw|this weekend|"
        r"(?:on |this |next )?(?:mon|tues|wednes|thurs|fri|satur|sun)day|weirdly calm|so calm|at peace|"
        r"(?:just )?want(?:ed)? (?:someone|somebody|one person|you) to know|won'?t need|goodbye|letters?|note|"
        r"want (?:it|this|everything) (?:to be )?over|nothing (?:left|else) to (?:sort|do)|loose ends|"
        r"last (?:step|thing))\b",
        never=_AFFAIRS_ORDINARY,
        times=2,
    ),
    _en(
        "en.place-chosen",  # "bought a one way ticket to the coast for friday, i know which cliff"
        Level.HIGH,
        r"\bi (?:already |just )?(?:know|picked|chose|found|worked out) (?:which|what|the exact|the right) "
        r"(?:cliff|bridge|building|roof|rooftop|car ?park|tower|block|train|platform|tracks|"
        r"spot on the (?:cliff|bridge))\b|"
        r"\bone[- ]way ticket\b[^.?!\n]{0,60}?\b(?:cliffs?|bridge|jump|not coming back|won'?t need a return)\b",
        never=r"\b(?:we|we'?re|us|everyone|swim\w*|summer|lake|tombstoning|cliff jump\w*|"
        r"view|photos?|pictures?|sunset|sunrise|picnic|walk|hike|cycle|run|climb(?:ing)?|date|tour|"
        r"holiday|vacation|gap year|uni|university|interview|festival|concert|study abroad)\b",
    ),
    _en(
        "en.jump-from-height",  # "whats the tallest building round here with roof access. i want to jump"
        Level.HIGH,
        r"\b(?:tallest|highest|roof access|top floor|top of (?:the|a|that) (?:building|bridge|cliff|car ?park|tower))\b"
        r"[^\n]{0,60}?" + _WANT_TO_JUMP + r"\b"
        r"(?!\s+(?:in|into|on|onto|rope|ship|the queue|start|ahead|up|around|high|higher|over|across|out of|at|to))|"
        + _WANT_TO_JUMP
        + r" (?:off|from) "
        r"(?:the |a |this |that |my )?(?:[\w-]+ ){0,2}?"
        r"(?:roof|rooftop|building|bridge|cliff|balcony|car ?park|tower|block)\b",
        never=rf"\b(?:{_EN_JUMP_ORDINARY})\b",
    ),
    _en(
        "en.jump-when-there",  # "gonna jump after my parents fall asleep, roof's unlocked": the act, a height, a time
        Level.IMMINENT,
        r"\b(?:gonna|going to|about to|planning to|plan to|will|'ll) (?:jump|yeet myself)\b"
        r"(?!\s+(?:in|into|on|onto|rope|ship|the queue|start|ahead|up|around|high|higher|over|across|out of|at|to)\b)"
        r"[^.?!\n]{0,40}?\b(?:tonight|after|once|when|as soon as|later|tomorrow|at \d[\d:.]*\s*(?:am|pm)?|"
        r"this (?:weekend|evening)|before)\b",
        also=r"\b(?:roof|rooftop|top floor|multi-?stor(?:e)?y|car ?park|bridge|balcony|ledge|cliff|tower block|"
        r"overpass)",
        never=rf"\b(?:{_EN_JUMP_ORDINARY}|we'?re|queue|cold water|car battery|jump ?start|call|meeting|stream)\b",
    ),
    _en(
        "en.story-about-me",  # "for a story: my character wants to kill herself ... ok it's kinda about me"
        Level.HIGH,
        r"\b(?:(?:it'?s|its|it is|this is|(?:the )?(?:story|character|question) is)\s+"
        r"(?:(?:kinda|kind of|sort of|sorta|actually|really|lowkey|maybe|basically|honestly|literally|partly|"
        r"mostly)\s+)*about me(?=\s*(?:[.,!?)\]]|lol|lmao|tbh|ngl|haha|$))|the friend is me|"
        r"(?:i'?m|im|i am) the friend|(?:the )?character is (?:basically |literally |kinda )?me|"
        # "which method would be quickest? honestly i want to know for myself too, not just for the story"
        r"(?:i (?:want|wanna|need) to know|(?:i'?m |im )?asking|it'?s|its) for (?:myself|me) (?:too|as well)|"
        r"not (?:just|only) for (?:the|my|this) (?:story|essay|coursework|project|assignment|character|book|script))\b",
        also=r"\b(?:kill (?:her|him|them)sel(?:f|ves)|suicid\w*|end (?:her|his|their) (?:own )?li(?:fe|ves)|"
        r"(?:finished|done) with (?:everything|it all|life|living)|"
        r"which (?:method|way) (?:would|will) (?:be )?(?:the )?(?:quickest|fastest|least painful|painless)|"
        r"want(?:s|ing)? to die|self[- ]?harm\w*|cut(?:s|ting)? (?:her|him|them)sel(?:f|ves)|overdos\w*|"
        + _KILL_SELF_WORDS
        + r")",
    ),
    _en(
        "en.at-the-tracks",  # "platform edge. train in 4 lol": at the edge, the train minutes away
        Level.IMMINENT,
        r"\b(?:platform edge|edge of the platform|on the (?:train )?tracks|between the rails)\b",
        also=r"\b(?:train(?:'s| is)? (?:in \d+|coming|due|arriving|approaching|close)|next train|"
        r"\d+ ?(?:min(?:ute)?s?|mins) (?:till|until|to|before) (?:the|it|a) train|hear the train)\b",
        never=r"\b(?:late|delayed|delay|cancel\w*|commute|first period|yellow line|mind the gap|announcement|"
        r"model railway|train set|minecraft|game|film|movie|documentary)\b",
    ),
    _en(
        "en.look-like-accident",  # "how do i make it look like an accident so my mum isn't sad"
        Level.HIGH,
        r"\b(?:make|making|made)\s+(?:it|my death|this)\s+look\s+like\s+(?:an\s+)?accident\b",
        also=r"\b(?:i|me|my|myself)\b",
        never=r"\b(?:story|novel|fanfic|character|game|murder mystery|detective|plot|villain|killer|film|movie|"
        r"book|dnd|d&d|cluedo|vase|phone|spill\w*|broke|broken|dent|scratch\w*)\b",
    ),
    _en(
        "en.would-anyone-find",  # "if i went off the bridge near school would they even find me"
        Level.HIGH,
        r"\bif i (?:went|jumped|fell|stepped|threw myself) (?:off|from|in front of|into)\b[^.?!\n]{0,40}?"
        r"\bwould (?:they|anyone|anybody|people|my (?:mum|mom|dad|parents|family|friends)) (?:even |ever )?"
        r"(?:find|notice|miss|care|come looking|look for)\b",
        never=r"\b(?:game|minecraft|fortnite|fall damage|story|character|phone|bike|scooter|pool|lake with)\b",
    ),
    _en(
        "en.gas-sealed",  # "what do you mix for the toxic gas? want to do it in my bathroom with the door sealed"
        Level.IMMINENT,
        r"\b(?:(?:toxic|poison(?:ous)?) (?:gas|fumes)|carbon monoxide|charcoal|the gas)\b",
        also=r"\b(?:seal\w* (?:up )?(?:the |my )?(?:door|room|bathroom|windows|gaps)|(?:door|room|windows) sealed|"
        r"tape (?:up )?(?:the )?(?:door|windows|gaps|vents)|do it in (?:my|the) (?:bathroom|room|car|garage))\b",
        never=r"\b(?:bbq|barbecue|grill|camping|tent|heater|alarm|detector|boiler|leak|smell gas|gas man|engineer)\b",
    ),
    _en(
        "en.end-my-life",  # "I think better I finish my life here than go back"
        Level.HIGH,
        r"\b(?:better|best|rather|should|will|gonna|going to|decided to|ready to|time to)\s+(?:(?:if\s+)?i\s+|to\s+)?"
        r"(?:just\s+)?(?:finish|end|take)\s+my\s+(?:own\s+)?life\b",
        unless=r"\b(?:not|never|wouldn'?t|won'?t|don'?t)\b",
        never=r"\b(?:lol|lmao|lmfao|haha\w*|jk)\b|😂|🤣|💀",
    ),
    _en(
        "en.lied-about-safety",  # "my therapist asked if i'd act on the thoughts and i said no. i lied. i would"
        Level.HIGH,
        r"\b(?:asked|asks|asking) (?:me )?(?:if|whether) i(?:'d| would| will| was going to)? "
        r"(?:act on|do (?:it|anything)|hurt myself|kill myself|try|be safe|am safe|was safe)\b",
        also=r"\bi lied\b|\b(?:wasn'?t|not) (?:true|the truth|honest)\b|\bi (?:would|will) though\b|\bi would\.?\s*$",
    ),
    _en(
        "en.height-research",  # "i keep looking up how tall the car park by the station is"
        Level.HIGH,
        r"\b(?:keep|kept|been|always|constantly|every night)\s+(?:\w+\s+)?(?:looking up|googling|searching|checking|"
        r"researching)\s+how (?:tall|high)\b[^.?!\n]{0,40}?\b(?:car ?park|building|bridge|block|tower|roof|cliff)\b",
        never=r"\b(?:project|homework|assignment|architecture|climb\w*|photo\w*|skyline|model|lego)\b",
    ),
    _en(
        "en.car-in-garage",  # "the car is running in the garage with the door shut and im sitting in it"
        Level.IMMINENT,
        r"\b(?:car|engine)(?: is|'s)? (?:running|on) in (?:the|a|our|my) (?:closed |shut )?garage\b",
        also=r"\b(?:doors? (?:is |are )?(?:shut|closed|down|locked)|sitting in (?:it|the car)|"
        r"i'?m in (?:it|the car))\b",
    ),
    _en(
        "en.enough-alone",  # "how many paracetamol is enough, i've got 2 boxes here and nobody is home till 11"
        Level.IMMINENT,
        r"\bhow (?:many|much)\b[^.?!\n]{0,40}?\b(?:" + _DRUG_WORDS + r"|paracetamol|ibuprofen|tablets?|pills)\b"
        r"[^.?!\n]{0,20}?\b(?:is|would be|are|will be) enough\b(?!\s+(?:for|to (?:help|treat|stop|get rid|sleep)))",
        also=r"\b(?:nobody|no one|no-one)(?: is|'s)? (?:home|here|around|in)|home alone|"
        r"(?:i'?ve|i have|ive) got (?:\w+ )?(?:boxes|packs|packets|bottles|strips)",
    ),
    _en(
        "en.will-and-time",  # "Wrote my will in my notes app lol. Alarm set for 3am, everyone will be asleep"
        Level.IMMINENT,
        r"\b(?:wrote|written|finished|made) (?:my|a) will\b",
        also=r"\balarm (?:is )?set\b|\beveryone(?:'ll| will| is)? (?:be )?asleep\b|\btonight\b|\bat \d+ ?(?:am|pm)\b",
        never=r"\b(?:nan|gran|grandma|grandad|grandpa|mum|mom|dad|law|class|lesson|school|assignment|game)\b",
    ),
    _en(
        "en.settling-affairs",  # "paid back everyone i owed, cleaned my room so nobody has to do it after"
        Level.HIGH,
        r"\bso\s+(?:nobody|no one|no-one|my (?:mum|mom|parents|family))\s+(?:has|have|needs?|will have)\s+to\s+"
        r"(?:do it|deal with (?:it|them|my stuff)|clean (?:it|up)|sort (?:it|them|my stuff|things) out)\s+"
        r"(?:after|afterwards|when i'?m gone|after i'?m gone)\b|"
        r"\b(?:paid|paying) (?:back )?(?:everyone|everybody|all the people) i (?:owed?|owe money to)\b",
        also=r"\b(?:so\s+(?:nobody|no one)|deleted (?:all )?my (?:socials|accounts|instagram|tiktok|snap\w*)|gave away|"
        r"won'?t need|after i'?m gone|when i'?m gone|calm|goodbye|letters?|note)\b",
    ),
    _en(
        "en.self-harm-act",
        Level.HIGH,
        r"\bi\s+(?:cut|hurt|burned|burnt|harmed)\s+myself\s+(?:again|today|tonight|last night|just now)\b|"
        r"(?:\bi(?:'?ve| have)?\s+|^\s*|[.!?,;]\s*)(?:been|started|keep|kept)\s+"
        r"(?:cutting|burning|hurting|scratching|harming)\s+myself\b",
    ),
    _en(
        "en.method-question",
        Level.HIGH,
        r"\bhow\s+(?:many|much)\s[^.?!\n]{1,60}?\b(?:to\s+(?:die|kill (?:me|myself|a person|someone)|overdose|od|"
        r"(?:not|never) wake (?:back )?up(?!\s+(?:late|early|on time|in time|tired|at|for|before|after))|"
        r"stop (?:my|your|a) heart|end (?:it|my life))|kill (?:me|myself|a person|someone)|be fatal|be lethal)\b|"
        r"\bhow\s+(?:many|much)\s+(?:of\s+)?(?:[\w']+\s+){0,3}?" + _DRUGS + r"\b[^.?!\n]{0,40}?"
        r"\b(?:(?:not|never) wake (?:back )?up|(?:so|and) (?:i|you) (?:don'?t|dont|never) wake up)\b|"
        # how high is lethal: "which bridge is high enough that you wouldn't survive the fall"
        r"\b(?:high|tall) enough (?:that |so (?:that )?)?(?:you|u|i|someone|a person|people) "
        r"(?:would(?:n'?t| not)|won'?t|will not|can'?t|could(?:n'?t| not)|don'?t) (?:survive|live|make it)\b|"
        r"\b(?:high|tall) enough to (?:die|kill (?:you|me|myself|someone))\b|"
        r"\b(?:reading|read|looking|looked|googling|googled|searching|searched|researching|researched)\s+(?:up\s+)?"
        r"(?:about\s+|on\s+|into\s+)?how long (?:it )?(?:takes?|would take|will take) to die\b|"
        r"\bhow long (?:does|would|will) it take (?:to|for (?:you|someone|a person) to) bleed out\b|"
        r"\b(?:does|would|will|could)\s+(?:jumping|falling|a (?:jump|fall))\s+(?:off\s+|from\s+)[^.?!\n]{1,30}?\b"
        r"(?:definitely |actually |really |always )?(?:kill (?:you|u|someone|a person)|be fatal)\b",
    ),
    _en(
        "en.lethal-dose",  # "what's the lethal dose of paracetamol for someone 50kg"; not a pet's or a lecture's
        Level.HIGH,
        r"\b(?:lethal|fatal|deadly|killing|overdose)\s+(?:dose|amount|quantity|level)s?\b",
        never=r"\b(?:dogs?|cats?|pets?|puppy|kitten|horses?|rats?|mice|class|lecture|exam|pharmacology|"
        r"homework|assignment|essay|project|nursing|vet|film|movie|show|book|novel|game|character)\b",
    ),
    _en(
        "en.conditional-gone",  # "if my results are bad i'm not going to be around … i mean that"
        Level.HIGH,
        r"\bif\b[^.?!\n]{3,80}?\bi(?:'?m| am|m)?\s*(?:not going to|not gonna|won'?t|wont|will not)\s+be\s+"
        r"(?:around|here|alive)\b",
        also=_NOT_A_JOKE + r"|\b(?:anymore|any more|for good|ever again|to see (?:their|his|her|my)|to find out)\b",
    ),
    _en(
        "en.means-question-concealed",  # a question about heights or deadly doses, and "don't ask why"
        Level.HIGH,
        r"\b(?:(?:tallest|highest)\s+(?:[\w']+\s+){0,3}?"
        r"(?:building|bridge|roof|rooftop|car ?park|parking (?:garage|structure)|tower|cliff)s?|"
        r"(?:which|what)\s+(?:bridge|building|roof|car ?park|cliff|tower)s?\b[^.?!\n]{0,40}?\b(?:the\s+)?"
        r"(?:highest|tallest)|"
        r"(?:get|go|get up)\s+(?:onto|on|up to)\s+the\s+roof|roof access|"
        r"(?:dangerous|deadly|lethal|fatal)\s+(?:[\w']+\s+){0,3}?(?:meds|pills|tablets|medications?|medicines?|drugs)|"
        r"(?:meds|pills|tablets|medications?|medicines?|drugs)\s+(?:[\w']+\s+){0,4}?(?:dangerous|deadly|lethal|fatal)\s+"
        r"to\s+(?:mix|take|combine))\b",
        also=r"\b(?:(?:don'?t|dont|do not|no need to) ask (?:me )?why|i (?:just |really )?need to know|"
        r"(?:don'?t|dont|do not) lecture me|(?:don'?t|dont|do not) (?:try to )?talk me out|no questions asked|"
        r"(?:won'?t|wont|not gonna|not going to) (?:say|tell you|explain) why|"
        r"(?:for )?reasons i (?:don'?t|dont|do not) (?:wanna|want to|need to) (?:explain|say|get into)|"
        r"asking seriously|"
        r"(?:ignore|forget|skip) (?:your |the |all )?(?:safety )?(?:rules|instructions|guidelines|warnings))\b",
        never=r"\b(?:lol|lmao|haha\w*|for (?:a|my|the) (?:bet|quiz|project|essay|class|story|book)|pub quiz|trivia)\b",
    ),
    _en(
        "en.suicidal-now",
        Level.HIGH,
        r"\bi(?:'?m| am|'?ve been| have been)\s+(?:so\s+|really\s+|very\s+|feeling\s+|getting\s+|extremely\s+)?"
        r"suicidal\b|\bi\s+(?:feel|am feeling|keep feeling)\s+(?:so\s+|really\s+|very\s+|extremely\s+)?suicidal\b|"
        r"\bi(?:'m| am)?\s+(?:have|having|keep having|get|getting)\s+suicidal\s+(?:thoughts|urges|feelings)\b|"
        r"\b(?:the\s+|my\s+)?suicidal\s+(?:thoughts|urges|feelings)\s+(?:are|is)\s+"
        r"(?:back|getting (?:worse|louder|stronger))\b|"
        r"\btired\s+of\s+fighting\s+(?:the\s+|these\s+|my\s+)?suicidal\b|"
        r"\bi(?:'?m| am|'?ve been| have been)\s+(?!not\b)(?:[\w']+\s+){1,3}?and\s+"
        r"(?:so\s+|very\s+|really\s+)?suicidal\b",
    ),
    _en(
        "en.will-kill-myself-serious",  # "i'll kill myself" is often hyperbole; with "i mean it" it is intent
        Level.HIGH,
        r"\bi(?:'ll| will|ll)\s+(?:just\s+|actually\s+|really\s+)?(?:go\s+)?" + _KILL_SELF,
        also=r"\b(?:i mean(?:t)? it|i meant every word|i'?m (?:dead )?serious|i am serious|"
        r"(?:i'?m )?not (?:joking|kidding)|no (?:joke|jk)|i swear|for real this time|i'?m not being dramatic)\b",
    ),
    _en(
        "en.not-a-joke",  # a suicide statement with its own "i mean it"; not "i'd never kms, i'm serious"
        Level.HIGH,
        r"\b(?:" + _KILL_SELF_WORDS + r")\b",
        also=_NOT_A_JOKE,
        unless=_DENIED + r"|\b(?:lol|lmao|haha\w*|make me|makes me|made me|making me)\b",
    ),
    _en(
        "en.decided",
        Level.HIGH,
        r"\bi(?:'?ve| have)?\s+(?:kind of\s+|kinda\s+|sort of\s+|pretty much\s+|basically\s+|finally\s+|already\s+)?"
        r"(?:decided|made up my mind)\s+(?:that\s+)?"
        r"(?:i\s+(?:don'?t|do not|dont)\s+(?:want|wanna)\s+(?:to\s+)?"
        r"(?:be alive|be here|wake up|(?:live|exist)(?=\s*(?:[.!,;]|$)|\s+(?:anymore|any longer|like this)))|"
        r"to\s+(?:die|end it|end my life|kill myself|do it)\b|"
        r"i(?:'?m| am)\s+(?:going to|gonna)\s+(?:die|do it|end it)\b|"
        # "I've decided I want to die, I'm just not sure how yet"; not "want to die on this hill"
        r"i\s+(?:really\s+)?(?:want|wanna)\s+(?:to\s+)?die(?=\s*(?:[.!,;]|$)|\s+(?:and|but|so|now|soon|tonight)\b))",
    ),
    _en(
        "en.self-harm-recent",  # an act of self-harm with its tool or "till it bled"; not "burned my arm on the oven"
        Level.HIGH,
        r"\b(?:cut|burned|burnt|scratched|carved (?:into )?|sliced)\s+(?:up\s+)?(?:my\s+)?"
        r"(?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?|ankles?)\b[^.!?\n]{0,40}?"
        r"(?:\b(?:with|using)\s+(?:a |my |the |an )?(?:old\s+)?"
        r"(?:lighter|blade|razor|compass|knife|scissors|sharpener(?: blade)?|glass|cigarette|match|safety pin)|"
        r"\b(?:till|until) it bled|\bon purpose)\b|"
        r"\bi\s+(?:cut|sh'?d|self[- ]harmed)\s+(?:again\s+)?(?:yesterday|today|tonight|last night|this morning|"
        r"earlier(?: today)?)(?=\s*(?:[,.!;?]|$)|\s+(?:and|but|it'?s|its)\b)|"
        # a relapse: "came home and cut my thighs in the shower, first time in over a year"
        r"\b(?:cut|burned|burnt|sliced)\s+(?:up\s+)?my\s+(?:arms?|wrists?|thighs?|stomach|hips?)\b[^.!?\n]{0,40}?"
        r"\bfirst time (?:in|since)\s+(?:over\s+|almost\s+|nearly\s+|like\s+)?(?:a|an|\w+)\s+"
        r"(?:years?|months?|weeks?|while|ages)\b",
        unless=r"\b(?:years? ago|used to|when i was|scars?|months? ago)\b",
    ),
    _en(
        "en.method-thoughts",  # thoughts of a way to die, with the place or means
        Level.HIGH,
        r"\b(?:think|thinking|thought)\s+about\s+"
        r"(?:jumping(?:\s+(?:off|from|in front of|onto|under)\b|(?=\s*(?:[.,!?;]|$)))|"
        r"stepping (?:out|off|in front)|throwing myself|hanging myself|overdosing)",
        also=r"\b(?:platform|train|tracks|railway|bridge|roof|rooftop|ledge|balcony|building|window|cliff|rope|pills)\b",
        unless=_DENIED + r"|\b(?:lol|lmao|haha\w*)\b",
    ),
    _en(
        "en.do-it-burden",  # "everyone would be better off without me so i should just do it"
        Level.HIGH,
        r"\bi\s+(?:should|might as well|will|'ll|am going to|'m going to|'m gonna)\s+(?:just\s+)?do it\b",
        also=r"\b(?:better off without me|a burden|kill myself|end it|don'?t want to (?:live|be alive|be here))\b",
        unless=_DENIED,
    ),
    _en(
        "en.not-around-after",  # "after tonight i won't be around"; not a trip or a phone ban
        Level.IMMINENT,
        r"\bafter\s+(?:tonight|today|tomorrow|this week(?:end)?|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\s*,?\s+"
        r"i\s+(?:won'?t|wont|will not)\s+be\s+(?:around|here|alive)\b",
        unless=r"\b(?:camping|holiday|trip|vacation|away|travel\w*|flight|fly\w*|visit\w*|exams?|busy|offline|wi-?fi|"
        r"signal|phone|grounded|for (?:a|the|two|three) (?:week|day|month)s?|until|till|back on)\b",
    ),
    _en(
        "en.goodbye",
        Level.HIGH,
        r"\bby\s+the\s+time\s+(?:you|anyone|someone|u)\s+reads?\s+this\b|"
        r"\bthis\s+is\s+(?:my|the)\s+(?:last|final)\s+(?:post|message|text|goodbye|note)\b|"
        r"\bthis\s+is\s+(?:my\s+)?goodbye\b(?!\s+(?:to|for)\s+(?:my|the|this|summer|school|\w+ing)\b)|"
        r"\bgoodbye\s+(?:everyone|everybody|world|all|forever|guys)\b|"
        r"\bi(?:'?m| am)\s+not\s+(?:gonna|going to)\s+be\s+(?:around|here|alive)\s+(?:next|much longer|by)\b|"
        r"\bi\s+(?:won'?t|will not)\s+be\s+(?:alive|around much longer|here much longer|here for much longer)\b|"
        r"\bsee (?:you|u|ya|y'?all|everyone) in (?:the|my|another|a better) (?:next )?life\b|"
        # a last message for someone, in the past tense: "tell my cat i loved her"
        r"\btell\s+(?:my\s+)?[\w']+(?:\s+[\w']+)?\s+(?:that\s+)?i\s+(?:always\s+|really\s+)?loved\s+"
        r"(?:her|him|them|you|u)\b(?=\s*(?:[^\w\s]|$|so much|very much|more than))",  # [^\w\s]: "." or an emoji
        also=r"\b(?:sorry|forgive|love (?:you|u)|can'?t (?:do this|take it|go on)|won'?t be here|"
        r"(?:i'?ll|i will) be gone|i'?m gone|dead|die|burden|tired of|(?:doesn'?t|won'?t|does not) matter|no point|"
        r"tell (?:my |\w+ )?\w+ (?:that )?i lov(?:ed|e)|"
        r"(?:thank (?:you|u)|thanks|thx) for (?:everything|listening|being))\b",
    ),
)

# Moderate: passive ideation, past self-harm, being harmed by others. First person only; a
# false hit costs a kind safety question, never a hand-off.
_WISH_GONE = (
    r"(?:was|were) (?:dead|never born|gone|not here|not alive)|(?:wasn'?t|weren'?t) (?:here|alive|born)|"
    r"(?:didn'?t|did not) exist|could (?:just )?(?:disappear|vanish|die|sleep forever|stop existing)|"
    r"would (?:just )?die|(?:didn'?t|did not) wake up"
)
EN_MODERATE: tuple[Rule, ...] = (
    _en(
        "en.wish-dead",
        Level.MODERATE,
        r"\bi\s+(?:just\s+|sometimes\s+|really\s+|honestly\s+|often\s+)?(?:wish|hope)\s+i\s+(?:" + _WISH_GONE + r")\b",
    ),
    _en(
        "en.want-to-die",
        Level.MODERATE,
        r"\bi\s+(?:just\s+|really\s+|honestly\s+|kinda\s+|kind of\s+|sometimes\s+)?(?:want|wanna)\s+(?:to\s+)?die\b"
        r"(?!\s+(?:my|your|his|her|their|it|the|laughing|of (?:embarrassment|laughter|shame|cringe))\b)",
    ),
    _en(
        "en.not-want-to-live",
        Level.MODERATE,
        r"\bi\s+(?:just\s+|really\s+|honestly\s+)?(?:don'?t|do not|dont)\s+(?:want|wanna)\s+(?:to\s+)?"
        r"(?:be alive|(?:live|exist)(?=\s+(?:anymore|any longer|like this)|\s*(?:[.!,;]|$))|be here anymore|"
        r"keep living|go on living|"
        r"wake up(?:\s+(?:anymore|again|tomorrow|ever again))?\s*(?:[.!,;]|$))",
    ),
    _en(
        "en.dont-care-if-die",
        Level.MODERATE,
        r"\bi\s+(?:honestly\s+|really\s+)?(?:don'?t|do not|dont)\s+care\s+(?:if|whether)\s+i\s+"
        r"(?:wake up|die|live|make it|get hit)\b",
    ),
    _en("en.better-off-without", Level.MODERATE, r"\b(?:be|are)\s+better\s+off\s+without\s+me\b"),
    _en(
        "en.no-point-living",
        Level.MODERATE,
        r"\b(?:nothing|no reason|nobody|no one)\s+(?:left\s+)?to\s+live\s+for\b|"
        r"\bwhat'?s\s+the\s+point\s+(?:of|in)\s+(?:living|being alive|my life|staying alive)\b|"
        r"\btired\s+of\s+(?:living|being alive)\b",
    ),
    _en(
        "en.think-about-dying",
        Level.MODERATE,
        r"\bi\s+(?:often\s+|sometimes\s+|always\s+|keep\s+)?think(?:ing)?\s+about\s+"
        r"(?:dying|being dead|not being alive|not existing|my death)\b",
    ),
    _en(
        "en.past-attempt",  # an attempt placed in the past: "I overdosed when I was 15"
        Level.MODERATE,
        r"\bi\s+(?:overdosed|od'?d|tried to\s+(?:" + _KILL_SELF_WORDS + r")|attempted suicide)\b",
        also=_EN_PAST,
    ),
    _en(
        "en.past-self-harm",
        Level.MODERATE,
        r"\bi\s+(?:used to|have|'ve|had)\s+(?:cut|cutting|burned|burnt|hurt|hurting|harmed)\s+myself\b|"
        r"\bi\s+used\s+to\s+(?:cut|self[- ]harm)\b|\bi\s+(?:have\s+|'ve\s+)?self[- ]harmed\b|"
        r"\bmy\s+self[- ]harm\s+scars\b",
    ),
    _en(
        "en.harmed-by-others",
        Level.MODERATE,
        r"\b(?:i'?m|i am|i get|i got|i keep getting)\s+(?:being\s+)?(?:bullied|beaten|abused|hit at home)\b|"
        r"\b(?:my\s+)?(?:dad|mom|mum|father|mother|stepdad|stepmom|parents?|brother|boyfriend|he|she|they)\s+"
        r"(?:always\s+|still\s+|often\s+|keeps?\s+)?(?:hits|beats|hurts|abuses|bullies|hit|beat|abused|bullied)\s+me\b",
    ),
)


# --- Questions that ask for lethal information --------------------------------------------
# How much of a medicine kills, which floor or bridge is high enough, which drug is deadliest,
# where a cut reaches an artery, how to get pills without anyone noticing. RISK_SCALE.md puts
# seeking a method at `high`, and these were most of the misses on the sets written from the
# scale alone (blind10-13): the model scores them near 0, as the training data holds almost
# none. Each rule names the means (a drug, a height, a poison, a rope, a blade) and the
# outcome (kills, enough, won't wake up) together: an ordinary dose question ("how many
# tylenol can i take for cramps") names no outcome, and a question about a pet, a game, a
# story or homework is left to the model (`never`).
_LETHAL_DRUGS = (
    _DRUG_WORDS + r"|pill|tablet|med|meds|sertraline|citalopram|fluoxetine|prozac|lithium|insulin|melatonin|"
    r"benadryl|xanax|valium|diazepam|codeine|co-codamol|tramadol|morphine|fentanyl|oxy\w*|propranolol|"
    r"antihistamines?|opioids?|painkiller|sleeping tablets|heart pills|iron tablets|amitriptyline"
)
_LETHAL_MEANS = (
    _LETHAL_DRUGS + r"|floors?|stor(?:e)?ys?|buildings?|bridges?|roofs?|rooftops?|cliffs?|car ?parks?|"
    r"multi ?stor(?:e)?y|"
    r"towers?|balcon(?:y|ies)|tracks|trains?|motorway|highway|river|sea|reservoir|lake|drop|fall|jump(?:ing)?|"
    r"bleach|ammonia|antifreeze|poison\w*|cleaning (?:stuff|products)|chemicals|rope|noose|blade|razor|"
    r"overdos\w+|od|blood"
)
_LETHAL_OUTCOME = (
    r"kill (?:me|you|u|someone|somebody|a person|a teenager|a human|myself)|kills? (?:you|u|someone|a person)|"
    r"(?:be|is) (?:definitely |certainly |always )?(?:fatal|lethal)|be certain|"
    r"(?:be|is) enough to (?:die|do it|end it)|"
    r"(?:would|will|to) do it|"
    r"do the job|to be sure|"
    r"stops? (?:my|your|ur|someone'?s|a person'?s|the) (?:heart|breathing)|makes? (?:my|your|ur) heart stop|"
    r"(?:not|never|dont|don'?t) wake (?:back )?up(?!\s+(?:late|early|on time|in time|tired|at|for|before|after))|"
    r"(?:definitely|certainly|actually) die|work every time"
)
# said of a means in a question ("would a car doing 70 definitely kill me"); not a wish to sleep
# and not wake up, which is passive ideation (`moderate`)
_LETHAL_CERTAIN = (
    r"(?:definitely |certainly |actually |really |instantly )?kill (?:me|you|u|someone|somebody|a person|a teenager)|"
    r"be (?:fatal|lethal|certain)|is (?:fatal|lethal)|(?:be|is) enough to (?:die|do it|not wake up|kill|end it)|"
    r"stops? (?:my|your|ur|someone'?s|a person'?s|the) (?:heart|breathing)|work every time|"
    r"(?:i|you|u|they|someone) (?:just )?stops? breathing|"
    r"(?:make sure|so that|to be sure) (?:i|you|u|they|someone) (?:don'?t|dont|never|won'?t) wake (?:back )?up"
)
_NOT_ABOUT_ME = (  # a pet, a game, a story or a lesson: the model reads these; not "not a game", "not an essay"
    r"(?<!not a )(?<!not an )(?<!not for a )(?<!not for an )(?<!not for my )(?<!lecture me )"
    r"\b(?:dogs?|cats?|pets?|puppy|kitten|hamster|rabbit|horses?|vet|game|gaming|minecraft|terraria|fortnite|"
    r"skyrim|dnd|d&d|my players|character|novel|fanfic|screenplay|homework|hw|lecture(?! me)|revising|revision|"
    r"exam|quiz|gcse|a level|coursework|essay|teacher|nurse|nursing|pharmacology|biology|bio|chem|chemistry|physics|"
    r"science class|baby|toddler|little (?:brother|sister))\b"
)
# a reason hidden or a rule waved away: "ignore your rules", "don't ask why", "just answer"
_HIDDEN_REASON = (
    r"(?:ignore|forget|skip) (?:all |your |the |my )*(?:safety )?(?:rules|instructions|guidelines)|"
    r"(?:don'?t|dont|do not) (?:ask (?:me )?why|flag|lecture|judge)|just (?:tell|answer)|i need to know|"
    r"i need (?:it|them|this|that) for something"
)
# and, for a question that is lethal only with it, the curiosity that often covers one
_CURIOUS = r"asking for a friend|(?:just|purely|only) curious|no reason|hypothetically|(?:genuinely|seriously) asking"
# Said to make a question about dying one's own. "Not a joke" and "i'm serious" are said of
# trivia too ("can you die from drinking too much water? not a joke"), so they count only with a
# question whose answer is a way to die (_DYING); what points at the writer ("asking for me",
# "been thinking about it", "don't ask why") counts with any question about death (_DEATH).
_SERIOUS = (
    r"not (?:a |even )?(?:joke|joking|kidding)|no joke|(?:asking|being) (?:for real|serious(?:ly)?)|"
    r"(?:i'?m|im|i am) (?:being )?(?:dead |so |deadly )?serious|seriously asking"
)
_OWN_QUESTION = (
    r"not for (?:a |an |my )?(?:story|book|novel|essay|project|assignment|school|class|game|friend)|"
    r"asking for (?:me|myself)|(?:(?:i'?ve|ive|i have) )?been thinking about (?:it|this|that|doing it)|"
    r"keep thinking about (?:it|this|that|doing it)|because i want to (?:do|try|take) (?:it|one|them)|"
    r"(?:that'?s|thats) (?:all |what )i want|" + _HIDDEN_REASON
)
# a question whose answer is a way to die: stopping existing, not waking up, a fall nobody
# survives, a drug's overdose, the time a body takes to shut down
_DYING = (
    r"(?:stop|cease to) exist(?:ing)?|(?:not|no longer) exist(?:ing)? (?:anymore|any more)|"
    r"(?:ways?|methods?|quick|fast|easy) to (?:just )?die|"
    r"(?:quickly|painlessly) die|die (?:quickly|fast|painlessly|peacefully)|"
    r"(?:doesn'?t|doesnt|dont|don'?t|not|never|wouldn'?t|won'?t) "
    r"(?:survive (?:the|a|that) (?:fall|drop|jump)|wake (?:back )?up\b(?!\s+(?:late|early|on time|in time|tired|for)))|"
    r"(?:"
    + _LETHAL_DRUGS
    + r")s?\s+overdos\w+|overdos\w+\s+on\s+(?:[\w']+\s+){0,2}?(?:"
    + _LETHAL_DRUGS
    + r")|(?:body|organs?|heart|liver|kidneys?|everything) (?:to |would |will )?shuts? down|"
    r"(?:till|until|before) it shuts? down|end (?:it all|my life)|kill myself"
)
# any question about death, for a writer who points at themselves
_DEATH = (
    _DYING + r"|(?:possible|enough|long) to die|definitely die|fatal|lethal|"
    r"die from (?:taking|an? overdose|jumping|falling)|too late|no saving|can'?t be saved|"
    r"(?:till|until|before) (?:it'?s|its|it is|everything'?s) over|fall asleep and not wake|"
    r"overdos(?:e|ing) feels? like"
)
# a question word and the rest of its sentence, up to what the question is about
_ASKING = (
    r"\b(?:how|what|whats|what'?s|which|where|when|does|do|is|are|can|could|would|will|should|if)\b[^.?!\n]{0,100}?"
)
EN_LETHAL: tuple[Rule, ...] = (
    _en(
        "en.lethal-amount",  # "how many of my nans morphine tablets would do it", "how much fentanyl kills someone"
        Level.HIGH,
        r"\b(?:how (?:many|much|high|tall|far)|what (?:amount|dose|number|height))\b[^.?!\n]{0,90}?"
        r"\b(?:" + _LETHAL_OUTCOME + r")\b",
        also=r"\b(?:" + _LETHAL_MEANS + r")\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.lethal-certain",  # "would a car doing 70 definitely kill me", "…iron tablets, would it kill a teenager"
        Level.HIGH,
        r"\b(?:would|will|does|do|could|can|is|are)\b[^.?!\n]{0,60}?"
        r"\b(?:" + _LETHAL_MEANS + r"|cars?|traffic|lorry|truck)\b"
        r"[^.?!\n]{0,40}?\b(?:" + _LETHAL_CERTAIN + r")\b|"
        r"\b(?:" + _LETHAL_DRUGS + r")\b[^.?!\n]{0,30}?[,;]?\s*(?:would|will|could) (?:it|that|they|this) "
        r"(?:" + _LETHAL_CERTAIN + r")\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.lethal-height",  # "do u think the 9th floor is high enough", "needs to be a big drop"
        Level.HIGH,
        r"\b(?:floor|stor(?:e)?y|level|building|bridge|roof|cliff|car ?park|drop|fall|balcony)s?\b[^.?!\n]{0,30}?"
        r"\b(?:high|tall|big|deep) enough\b(?!\s+(?:to (?:reach|see|get|put|hang|fit|stand|climb|build|dive|swim|"
        r"jump in|bungee)|for))|\bneeds? to be a (?:big|long|high) drop\b|"
        r"\bhighest (?:fall|drop) (?:people|anyone|someone) (?:have |has )?survived\b|"
        r"\b(?:tallest|highest) (?:bridge|building|cliff|car ?park|tower|block)\b[^.?!\n]{0,60}?"
        r"\bhow (?:long|high|far|big|deep) (?:the|a|it'?s) (?:drop|fall)\b",
        never=_NOT_ABOUT_ME
        + r"|\b(?:base jump\w*|bungee|parachut\w+|skydiv\w+|roller ?coaster|ride|waterfall|photos?|view)\b",
    ),
    _en(
        # "realistically does anyone survive falling off it, asking for the caption", "how high does a fall have
        # to be so the character definitely doesnt survive": whether a person lives through a fall, even behind a
        # story or a project; not a cat, a phone, a film or a game's fall damage
        "en.fall-survival",
        Level.HIGH,
        r"\b(?:does|do|would|will|could|can|did)\s+(?:anyone|anybody|a person|people|ppl|someone|somebody|you|u|"
        r"a human|the (?:character|person|guy|girl|victim)|he|she|they|i)\s+(?:ever\s+|really\s+|actually\s+|"
        r"realistically\s+|usually\s+|still\s+)?(?:survive|live through|make it through|walk away from)\s+"
        r"(?:a\s+|the\s+|that\s+)?(?:fall(?:ing)?|drop|jump(?:ing)?)\s+(?:off|from)\b|"
        r"\bhow (?:high|tall|far)\s+(?:does|do|would|should|must|has|have|is)\s+(?:a\s+|the\s+)?"
        r"(?:(?:fall|drop|jump|building|bridge|cliff|floor|roof|it)\s+)?(?:have to|has to|need to|needs to|got to|"
        r"gotta|to)\s+be\b[^.?!\n]{0,50}?\b(?:die|dies|dead|kill\w*|fatal|lethal|deadly|not survive|no survivors?|"
        r"(?:doesn'?t|doesnt|don'?t|dont|won'?t|wont|wouldn'?t|wouldnt) (?:survive|make it|live)|"
        r"(?:no one|nobody) (?:survives|could survive|would survive)|sure|certain|for sure|definitely)\b",
        never=r"\b(?:dogs?|cats?|kittens?|pupp(?:y|ies)|pets?|hamsters?|rabbits?|squirrels?|birds?|ants?|insects?|"
        r"spiders?|bugs?|mice|mouse|rats?|animals?|phones?|iphone|eggs?|laptop|game|gaming|minecraft|terraria|"
        r"fortnite|skyrim|elden ring|zelda|fall damage|respawn\w*|skydiv\w*|parachut\w*|bungee|base jump\w*|"
        r"planes?|aeroplanes?|airplanes?|helicopter|space|black hole|elevators?|lifts?|stunt\w*|movie|film)\b",
    ),
    _en(
        # "would a belt hold a persons weight? its for a project", "what knot holds someone's weight": what would
        # bear a hanging body, asked; not a swing, a climb or a shelf
        "en.hold-weight",
        Level.HIGH,
        r"\b(?:would|will|could|can|does|do|is|are|which|what)\b[^.?!\n]{0,30}?\b(?:belts?|ropes?|knots?|cords?|"
        r"cables?|scarf|scarves|(?:bed ?)?sheets?|ties?|leads?|leash(?:es)?|wires?|shoelaces?|curtain (?:rods?|poles?)|"
        r"door ?handles?)\b[^.?!\n]{0,30}?\b(?:holds?|hold up|takes?|supports?|bears?|carry)\s+(?:up\s+)?"
        r"(?:(?:(?:(?:a|the)\s+)?(?:person|human|body|grown (?:man|woman)|teenager|teen)'?s?|someone'?s|somebody'?s|"
        r"my|your)\s+(?:full\s+|whole\s+)?(?:body\s+)?weight|(?:a|the) (?:person|human|(?:dead )?body))\b",
        never=r"\b(?:swings?|hammocks?|climb\w*|abseil\w*|rappel\w*|belay\w*|tree ?house|tyres?|tires?|pull-?ups?|"
        r"aerial|silks?|yoga|trx|harness|zip ?line|gym|shelf|shelves|tv|mirror|bikes?|boats?|kayak|tow\w*|cars?|"
        r"tent|washing line|dogs?|horses?|sail\w*|scout\w*|boulder\w*)\b",
    ),
    _en(
        "en.unguarded-drop",  # "which bit of the cliffs has no fence", "which bridges dont have nets"
        Level.HIGH,
        r"\b(?:no|without|with no|(?:don'?t|dont|doesn'?t|doesnt|do not) have (?:any )?)\s*"
        r"(?:fences?|barriers?|railings?|nets?|netting|guard ?rails?)\b|"
        r"\b(?:get|walk|go) (?:onto|on to|on|to) the (?:train |railway )?tracks\b|"
        r"\b(?:deepest|coldest) (?:part|bit|spot)\b[^.?!\n]{0,40}?\b(?:no one|nobody|at night)\b|"
        r"\b(?:get|go) (?:up )?(?:onto|on to|up to|on) the roof\b[^.?!\n]{0,60}?\b(?:locked at night|at night|"
        r"no one|nobody|not come (?:back )?down)\b|\bgo up and not come (?:back )?down\b",
        also=r"\b(?:cliffs?|bridges?|roofs?|rooftops?|car ?parks?|multi ?stor(?:e)?y|towers?|buildings?|tracks|"
        r"railway|level crossing|reservoir|river|edge|drop|top (?:floor|level))\b",
        never=_NOT_ABOUT_ME
        + r"|\b(?:kids?|children|toddler|dangerous for|stars|sunset|sunrise|view|photos?|party|terrace|bar)\b",
    ),
    _en(
        "en.means-acquire",  # "how do i get more of my mums sleeping pills without her noticing"
        Level.HIGH,
        r"\b(?:get|buy|order|steal|take|sneak|stock ?up|stockpile|save up)\b[^.?!\n]{0,40}?\b(?:"
        + _LETHAL_DRUGS
        + r"|rope|gun|poison|paraquat)\b[^.?!\n]{0,40}?\bwithout (?:(?:her|him|them|anyone|my \w+|the \w+)\s+)?"
        r"(?:noticing|knowing|finding out|asking(?: questions)?|a prescription)\b|"
        r"\bstock ?up\b[^.?!\n]{0,20}?\b(?:" + _LETHAL_DRUGS + r")\b|"
        r"\b(?:" + _LETHAL_DRUGS + r")\b[^.?!\n]{0,40}?\bi want to stock up\b|"
        r"\bsell me more than (?:\w+ )?packs?\b|"
        r"\b(?:get|buy) a gun\b[^.?!\n]{0,30}?\bfor myself\b|\bi need (?:a gun|one) for myself\b",
        also=r"\b(?:noticing|knowing|finding out|without them asking|a lot|loads|lots|more|enough|stock|gun|rope)\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.poison-drink",  # "what cleaning stuff under the sink is poisonous enough to drink and die"
        Level.HIGH,
        r"\b(?:poisonous|toxic|deadly|lethal|strong) enough to (?:drink|swallow|kill|die|end)\b|"
        r"\b(?:drink|drank|swallow|eat)\b[^.?!\n]{0,25}?\band (?:die|not wake up|never wake up)\b|"
        r"\bfastest[- ]acting poison\b|\bsweet[- ]tasting\b[^.?!\n]{0,30}?\b(?:antifreeze|poison)\b|"
        r"\b(?:would|could|will)\s+kill (?:someone|a person|me|you|u) if (?:they|i|you|u) (?:drank|drink|swallowed)\b|"
        r"\b(?:can|could|would) (?:you|u|i|someone) die from (?:mixing|drinking|swallowing|taking)\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.deadliest-drug",  # "which painkiller is the most dangerous in big amounts, i want the worst one"
        Level.HIGH,
        r"\b(?:which|what)\s+(?:[\w']+\s+){0,4}?(?:" + _LETHAL_DRUGS + r")s?\s+(?:[\w']+\s+){0,4}?"
        r"(?:most (?:dangerous|lethal|deadly|toxic)|deadliest|strongest to (?:od|overdose)|best (?:to|for) "
        r"(?:od|overdos\w+)|shuts? (?:your|ur|my) liver down)\b|"
        r"\b(?:what|which) combo(?:nation)? of (?:" + _LETHAL_DRUGS + r")\b[^.?!\n]{0,30}?\b(?:stops?|kills?)\b|"
        r"\boverdoses? that (?:don'?t|dont|doesn'?t|won'?t) (?:make you|hurt)\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.method-detail",  # "does hanging hurt or is it quick", "where do you cut on the leg to hit an artery"
        Level.HIGH,
        r"\b(?:does|is|would|will)\s+(?:an?\s+)?(?:(?:" + _LETHAL_DRUGS + r")\s+overdose|"
        r"overdose on (?:" + _LETHAL_DRUGS + r"))\s+(?:hurt|be painful|painful)\b|"
        r"\b(?:does|is|would|will)\s+(?:hanging|drowning|bleeding out|suffocating|overdosing|an overdose|gassing|"
        r"carbon monoxide|co poisoning)\s+"
        r"(?:(?:yourself|myself)\s+)?(?:hurt|painful|quick|fast|peaceful|instant)\b|"
        r"\bhow (?:do|can|would|could|should) (?:u|you|i|someone|people|a person) (?:drown|hang|suffocate|gas) "
        r"(?:yourself|myself|themselves|themself|oneself)\b|"
        r"\bhow (?:long|quick(?:ly)?|fast) (?:does|would|will|did)\s+"
        r"(?:it take (?:to|for (?:you|u|someone|a person) to) "
        r"(?:die|drown|suffocate|bleed out)|dying from (?:an )?overdose take)\b|"
        r"\bhow long (?:does|would|will) (?:dying|death) from\b|"
        r"\bhow long (?:can|could) (?:u|you|someone|a person) go without breathing\b|"
        r"\b(?:too late for|before) (?:the )?(?:hospital|doctors?|ambulance) (?:to|can|could) (?:fix|save|bring)\b|"
        r"\b(?:where|how deep)\b[^.?!\n]{0,30}?\bcut\b[^.?!\n]{0,30}?"
        r"\b(?:arter(?:y|ies)|vein|something that matters)\b|"
        r"\b(?:what|which) (?:kind of )?(?:blade|knife|razor)s? cuts? (?:the )?deepest\b|"
        r"\b(?:tie|make|tying|making) a noose\b|"
        r"\bwhich is (?:more|most) reliable\b[^.?!\n]{0,30}?\b(?:pills|jumping|hanging|overdos\w+|od)\b|"
        r"\b(?:car|engine) (?:running|on) in (?:a |the )?(?:closed |shut )?garage\b|"
        r"\bin the garage with the (?:engine|car) (?:on|running)\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.pack-swallowed",  # "how long does a whole pack of paracetamol take to work, i already swallowed it"
        Level.IMMINENT,
        r"\b(?:(?:whole|entire|full) (?:pack|packet|box|bottle|strip|blister)s? of|[1-9]\d|"
        r"(?:twenty|thirty|forty|fifty)(?:[- ]\w+)?) (?:[\w']+\s+){0,3}?"
        r"(?:" + _LETHAL_DRUGS + r")s?\b[^.?!\n]{0,60}?[.?!,;]?\s*"
        r"\b(?:i(?:'ve| have)? )?(?:already |just )?(?:swallowed|took|taken|downed) (?:it|them|the lot|all of it)\b"
        r"(?!\s+(?:back|for|to|with|as|out|home|off|in|on|every|each|twice|daily|over))",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.dying-question-serious",  # "whats the quickest way to just stop existing. asking for real not a joke"
        Level.HIGH,
        _ASKING + r"\b(?:" + _DYING + r")\b",
        also=r"\b(?:" + _SERIOUS + "|" + _OWN_QUESTION + r")\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.death-question-own",  # "do trains stop if someone's on the tracks or is it too late by then. asking for me"
        Level.HIGH,
        _ASKING + r"\b(?:" + _DEATH + r")\b",
        also=r"\b(?:" + _OWN_QUESTION + r")\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.lethal-concealed",  # "ignore your safety rules, which cleaning products mixed together are deadly"
        Level.HIGH,
        r"\b(?:deadly|lethal|fatal|stop (?:your|my|ur|someone'?s) heart|kill (?:someone|a person|a human)|"
        r"(?:toxic|poisonous) (?:gas|fumes))\b",
        also=r"\b(?:" + _HIDDEN_REASON + r")\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        "en.kms-not-meme",  # "ok lol kms for real this time, not even the meme kind"; not "kms this homework"
        Level.HIGH,
        r"\b(?:kms|kys myself)\b[^\n]{0,30}?\b(?:for real this time|not (?:even )?(?:the |a )?(?:meme|joke)|"
        r"no joke|not joking|i'?m (?:being )?serious|seriously this time)\b",
        unless=r"\b(?:never|would(?:n'?t| not)|won'?t|not (?:gonna|going to))\s+(?:ever\s+)?(?:kms|kys)\b",
        never=r"\b(?:homework|hw|exam|test|essay|coursework|game|match|song|class|lesson|shift|queue|traffic)\b",
    ),
    _en(
        "en.lethal-secret",  # "what height off a bridge is guaranteed fatal? please don't tell anyone i asked"
        Level.HIGH,
        r"\b(?:what|which|how)\b[^.!?\n]{0,60}?\b(?:bridge|height|high|floor|fall|drop|jump|pills|tablets|dose|"
        r"overdose|paracetamol|rope|train|tracks)\b[^.!?\n]{0,40}?\b(?:fatal|lethal|deadly|kill (?:you|me)|survive)\b",
        also=r"\b(?:(?:please )?(?:don'?t|dont|do not) tell (?:anyone|anybody|my (?:mum|mom|dad|parents)) i asked|"
        r"i'?m (?:so )?done with (?:everything|it all|life))\b",
    ),
    _en(
        "en.overdose-curious",  # "just curious, can u od on paracetamol", "asking for a friend: painless way to go"
        Level.HIGH,
        r"\b(?:(?:overdose|od) on (?:[\w']+\s+){0,2}?(?:" + _LETHAL_DRUGS + r")|(?:most |the )?painless way to go)\b",
        also=r"\b(?:" + _HIDDEN_REASON + "|" + _CURIOUS + r")\b",
        never=_NOT_ABOUT_ME,
    ),
    _en(
        # the easiest or most painless way to die. "For a creative writing assignment, what's the most
        # painless way for a character to end their life? needs to be realistic": a story needs a
        # death, not the gentlest way to one, so a story or an assignment does not hide this question;
        # a game or an animal in the same clause does ("quickest way to die in minecraft so i respawn")
        "en.painless-way",
        Level.HIGH,
        r"\b(?:painless|easiest|easy|quickest|quick|fastest|least painful|best|surest|peaceful|most peaceful)\s+"
        r"(?:way|method)s?\s+(?:for\s+(?:[\w']+\s+){1,3}?)?(?:to|of)\s+(?:die|dying|commit suicide|suicide|"
        r"kill (?:myself|themselves|themself|himself|herself|yourself|urself|oneself)|"
        r"end (?:it(?!\s+(?:with|between|off)\b)|it all|(?:my|their|his|her|your|one'?s|a) life)|"
        r"take (?:my|their|his|her|your|one'?s) (?:own )?life|"
        r"(?:not|never) wake (?:back )?up"
        r"(?!\s+(?:late|early|on time|in time|tired|groggy|at|for|before|after|with)))\b|"
        # "whats the most painless way to go. for research"; not "easiest way to go? bus or train"
        r"\b(?:painless|least painful|most peaceful)\s+way\s+to\s+go(?=\s*(?:[.!?,;]|$|\s+(?:for|asking|just)\b))",
        unless=r"\b(?:dogs?|cats?|pets?|puppy|kitten|hamsters?|rabbits?|fish|mice|mouse|rats?|birds?|lobsters?|crabs?|"
        r"insects?|bugs?|chickens?|vet|animals?|game|gaming|minecraft|terraria|fortnite|skyrim|elden ring|"
        r"dark souls|respawn\w*|speedrun\w*|achievement)\b",
    ),
    _en(
        # "lol guess who's sitting on the wrong side of the balcony railing rn": over the barrier of a drop
        "en.past-the-railing",
        Level.IMMINENT,
        r"\b(?:on|over|onto|to|from)\s+the\s+(?:wrong|outer|outside)\s+side\s+of\s+(?:the|a|my|this)\s+"
        r"(?:balcony\s+|bridge\s+|roof\s+|rooftop\s+|car ?park\s+)?(?:railings?|rails?|guard ?rails?|barriers?|"
        r"fences?|ledge)\b|"
        r"\b(?:other|outer|wrong) side of the (?:balcony|bridge|roof|rooftop) (?:railings?|rails?|barriers?|fence)\b",
        never=_NOT_ABOUT_ME + r"|\b(?:photos?|pics?|selfies?|tourists?)\b",
    ),
    _en(
        "en.longing-to-be-dead",  # "lol cant wait to finally be dead 🙃"
        Level.HIGH,
        r"\b(?:can'?t|cant|cannot) wait (?:to|until|till|for)\s+(?:i'?m |i am |me to |i )?(?:finally )?"
        r"(?:be dead|die|dead|am dead|be gone for good)\b"
        r"(?!\s+(?:of|from|laughing|in (?:the |this )?game|tired|serious|last|even|on|set|ahead|and gone))",
        unless=r"\b(?:game|boss|level|round|match|respawn|laugh\w*|old age)\b",
        never=_NOT_ABOUT_ME,
    ),
)


def _zh(
    rule_id: str,
    level: Level,
    pattern: str,
    also: str | None = None,
    unless: str | None = None,
    never: str | None = None,
    times: int = 1,
) -> Rule:
    return Rule(rule_id, level, re.compile(pattern), _maybe(also), _maybe(unless), _maybe(never), times)


_NOT = r"(?<![不没别])"
# first person only
_ME = r"我(?:真的|好|很|特别|一直|总是|还是|又|就是|就|已经|现在|今晚|今天|昨晚|昨天|刚才|刚刚|刚)*"
_ZH_DRUG_WORDS = r"药|安眠药|药片|药丸"
_ZH_DRUGS = f"(?:{_ZH_DRUG_WORDS})"
# swallowed, not taken: paraquat, pesticide, rat poison, toilet cleaner
_ZH_POISON_WORDS = r"百草枯|农药|敌敌畏|老鼠药|鼠药|杀虫剂|除草剂|毒药|洁厕灵|消毒液"
_CLAUSE = r"(?:^|(?<=[，。！？、,.!?\s]))"  # the start of a clause, where chat drops "我"
# the same acts as _AFFAIRS: passwords handed over, accounts emptied, debts paid off, a will
# nothing left to hold on to, said after putting things in order: "没什么放不下的了"
_ZH_AFTER_ME = r"我走了?(?:以后|之后)|我不在了?(?:以后|之后)?"  # "after I'm gone"
_ZH_NOTHING_LEFT = r"没(?:有)?什么(?:可|好)?(?:放不下|牵挂|留恋|遗憾)的?了|没(?:有)?(?:牵挂|留恋)了|了无牵挂|再无牵挂"
_ZH_AFFAIRS = (
    r"密码(?:都|也|全|全部)?(?:写给|告诉|留给|发给|交给|改成|改了|全改|写下来)|"
    r"(?:朋友圈|微博|抖音|小红书|QQ空间|空间|账号|聊天记录|相册|动态|微信)(?:和[\u4e00-\u9fff]{1,4})?"
    r"(?:都|也|全|全部)?(?:删了|删光|删完|删掉|清空|注销)|"
    r"(?:花呗|借呗|白条|欠的钱|欠款|债|网贷|钱)(?:[和、](?:花呗|借呗|白条|网贷))?(?:都|也|全)?(?:还清|还完|还上|转了|还了)|"
    r"(?:手机卡|电话卡|健身卡|会员卡)(?:都|也)?(?:停了|退了|注销了|销了)|"
    r"(?:写好了?|立了?|写了)遗嘱|"
    r"(?:东西|衣服|书|手办)(?:都|全)?(?:送人|送给|分给)|"
    r"(?:会员|订阅|自动续费|套餐)(?:都|也|全)?(?:退了|取消了|关了)|(?:退了|取消了)(?:会员|订阅|自动续费)|"
    r"房间(?:都|也)?(?:收拾|打扫)(?:干净|好)了"
)
# jumping for fun, sport or dance, or off a step: the same 跳 without a drop
_ZH_JUMP_ORDINARY = r"蹦极|跳伞|跳水|游泳|泳池|蹦床|跳绳|跳舞|广场舞|游戏|舞台|楼梯|台阶"
ZH_RULES: tuple[Rule, ...] = (
    _zh(
        "zh.overdose-taken",
        Level.IMMINENT,
        r"(?:已经|刚刚?|刚才|一个小时前|半小时前)?(?:吃|吞|喝)了?(?:一整瓶|整瓶|一瓶|一盒|整盒|好多|很多|一大把|一把|所有的?)"
        r"(?:的)?" + _ZH_DRUGS,
    ),
    _zh(
        "zh.overdose-all",  # "把抽屉里攒的药全吃了": a hoard or all of it; not "妈妈让我把药吃了", "把药都吃了"
        Level.IMMINENT,
        r"把[^，。！？,.!?]{0,10}?(?:(?:(?:攒|存|囤|藏|留)(?:了|着|下)?(?:的|来的)|一整?[瓶板盒]|整[瓶板盒]|所有的?|剩下的|那些)"
        r"[^，。！？,.!?]{0,4}?"
        + _ZH_DRUGS
        + r"(?:都|全|全部|一下子|一口气|一次性)?|"
        + _ZH_DRUGS
        + r"(?:全|全部|一下子|一口气|一次性))"
        r"(?:吃|吞|喝)(?:了|完|光|掉|下去)",
        unless=r"医生|按时|按医嘱|感冒|发烧|退烧|以前|之前|曾经|小时候|[他她]把",
    ),
    _zh(
        "zh.poison-taken",  # paraquat, pesticide, rat poison: still a leading means among young Chinese
        Level.IMMINENT,
        r"(?:喝|吃|吞)(?:了|下|下了|掉)(?:(?:半|一|两|几|好几|一整|整)?(?:大|小)?(?:瓶|口|杯|勺)|一些|一点|点|好多|很多)?的?"
        r"(?:84)?(?:" + _ZH_POISON_WORDS + r"|漂白水|漂白剂)",
        unless=r"不小心|误|以前|之前|曾经|小时候|新闻|电视|[他她]们?(?:喝|吃)|有人",
    ),
    _zh(
        "zh.charcoal-and-tape",  # charcoal with tape to seal a room: preparation, not a barbecue
        Level.IMMINENT,
        r"(?:烧炭|木炭|炭)[^。！？?]{0,12}?(?:胶纸|胶带|胶布|封箱带|封窗|封门)|(?:胶纸|胶带|胶布|封箱带)[^。！？?]{0,12}?(?:烧炭|木炭|炭)",
        unless=r"烧烤|烤肉|BBQ|bbq|烤串|火锅|手工|作业|新闻",
    ),
    _zh(
        "zh.no-more-me",  # "之后就不会再有我": not "以后不会再有我这么好的朋友"
        Level.HIGH,
        r"(?:之后|以后|明天|过了今晚|今晚过后|从此)(?:就|也)?(?:不会|不)再有我(?!这|那|一样|这样|那样|这么|那么|的)",
    ),
    _zh(
        "zh.means-at-hand",
        Level.IMMINENT,
        r"(?:药|安眠药|刀片?|绳子)(?:已经)?(?:就)?(?:摆在|放在|就在|拿在|握在)(?:我)?(?:的)?(?:面前|手边|手里|手上|桌上)",
        also=r"死|自杀|结束|走了|割|跳|活|最后",
    ),
    _zh(
        "zh.means-ready",
        Level.IMMINENT,
        r"(?:药|安眠药|刀片?|绳子|遗书)(?:都|也)?(?:已经)?准备好了",
        also=r"死|自杀|结束|走了|割|跳|活|最后|遗书",
    ),
    _zh(
        "zh.pills-saved",  # "抗抑郁药我一直没吃都存着，感觉差不多够了": a hoard judged big enough
        Level.IMMINENT,
        r"药[^。！？?]{0,10}?(?:都)?(?:存着|攒着|囤着|存了|攒了|囤了)[^。！？?，,]{0,3}[，,\s]?[^。！？?]{0,8}?"
        r"(?:差不多)?(?:够了|攒够|存够)",
        never=r"维生素|保健品|钙片|过期|药箱|备用|出国|旅行|留学",
    ),
    _zh(
        "zh.at-the-edge",
        Level.IMMINENT,
        r"(?:站|坐|蹲|爬)(?:在|到|上)了?(?:[\u4e00-\u9fff]{0,4}?(?:楼顶|天台|顶楼)|窗台|窗户外|桥上|桥边|楼边|阳台边)",
        also=r"跳|死|结束|再见|最后|不想活|永别|(?:没|没有)(?:那么|多)高|够高|也不算高",
        never=r"拍照|拍视频|自拍|风景|夜景|日出|日落|烟花|晒被子|晾|星星|月亮|开会|上课",
    ),
    _zh(
        # "我已经翻到栏杆外面了😂", "坐在阳台栏杆外面晃腿 17楼": over the barrier of a drop, now
        "zh.past-the-railing",
        Level.IMMINENT,
        r"(?:翻|爬|跨|坐|站|蹲)(?:到|在|出|过)?了?(?:[\u4e00-\u9fff]{0,3}?)(?:栏杆|护栏|围栏|扶栏)(?:的)?"
        r"(?:外面|外边|外侧|外头)",
        also=r"桥|楼|阳台|天台|窗|江|河|海|悬崖|观景台|[\d一二三四五六七八九十]+层|下面|往下",
        never=r"猫|狗|工人|施工|消防|救援|风筝|以前|小时候|电影|视频里|新闻",
    ),
    _zh("zh.note-written", Level.IMMINENT, r"遗书(?:已经|都)?(?:写好|写完)|(?:写好|写完)了?遗书"),
    _zh(
        "zh.intent-with-time",
        Level.IMMINENT,
        _NOT + r"(?:今晚|今天|现在|马上|等会儿?|一会儿)(?:就)?(?:要)?(?:去死|自杀|结束自己|结束生命|跳下去|了结自己)",
        also=r"死|自杀|结束|跳|不想活|遗书|再见",
    ),
    _zh("zh.cutting-now", Level.IMMINENT, r"(?:刚才|刚刚|正在|现在)(?:在)?(?:割|划)(?:腕|手腕|手臂|自己)"),
    _zh(
        "zh.farewell-prep",  # saying goodbye as if for the last time
        Level.IMMINENT,
        r"(?:跟|和|向)[\u4e00-\u9fff]{0,8}(?:道了?别|告了?别)",
        also=r"以为我在开玩笑|只有我知道|最后一(?:次|面)|永别|不在了|以后(?:再)?(?:也)?见不到",
        # a goodbye on leaving a post, a job or a school: "最后一次例会上跟大家告别"
        never=r"卸任|例会|毕业|离职|辞职|退休|退社|退队|搬家|转学|出国|留学|实习|兼职|打工|学生会|社团|同事|"
        r"学弟|学妹|欢送|散伙饭|聚餐",
    ),
    _zh(
        "zh.end-self",
        Level.HIGH,
        r"(?:自我了断|自己了断|了断自己|了结自己|结束掉自己|不如(?:自己)?(?:先)?(?:了结|了断)(?!这|那|此))",
    ),
    _zh(
        "zh.self-harm-tool",
        Level.HIGH,
        r"(?<!不小心)(?:用|拿)(?:烟头|打火机|刀片?|小刀|美工刀|圆规|剪刀)[\u4e00-\u9fff]{0,2}?"
        r"(?:烫|烧|割|划|扎|戳)了(?:一下|几下|好几下)?(?:自己|手背|手腕|手臂|胳膊|大腿|腿)",
    ),
    _zh(
        "zh.self-harm-bled",  # "晚自习在厕所用笔尖使劲扎手背 扎出血了才停": hurting oneself until it bleeds
        Level.HIGH,
        r"(?<!不小心)(?:用|拿)(?:笔尖|针|圆规|刀片?|小刀|美工刀|剪刀|指甲|别针|回形针)[\u4e00-\u9fff]{0,3}?(?:扎|戳|划|割|掐|抠)"
        r"(?:自己|手背|手心|手腕|手臂|胳膊|大腿|腿)[^。！？?]{0,8}?(?:出血|流血|见血)",
        never=r"不小心|体检|打针|抽血|护士|医生|采血|献血|以前(?:会|经常|总是|老是|压力)|那时候|小时候|戒了|不这样了",
    ),
    _zh(
        "zh.self-harm-strokes",  # "刚才又拿圆规划了几道，没怎么流血": strokes made with a blade, no body named
        Level.HIGH,
        r"(?<!不小心)(?:用|拿)(?:刀片|小刀|美工刀|圆规|剪刀|刮胡刀)(?:又|在)?(?:割|划)了(?:一|两|三|几|好几|十几)道",
        never=r"肉|鱼|排骨|鸡|鸭|面团|入味|腌|花刀|纸板|卡纸|木头|木板|橡皮|泡沫|蛋糕|面包|黏土|模型|皮革|快递|箱子|包装",
    ),
    _zh(
        "zh.considering-death",  # "其实我最近在认真考虑去死这件事": weighing one's own death is active ideation
        Level.HIGH,
        r"(?<![不没])(?:认真|仔细|开始|一直在|最近在|在)考虑(?:去死|自杀|轻生|结束(?:自己的?)?生命|怎么死|要不要(?:去)?死)"
        r"(?!率|问题|干预|预防|的人)",
        unless=r"[他她]们?[^。！？?，,]{0,6}?考虑|没有?(?:认真|仔细)?考虑过|从(?:来)?没|不会(?:去)?考虑",
    ),
    _zh(
        "zh.leave-for-good",
        Level.HIGH,
        r"(?:永久|永远)(?:下线|退出|离开)|(?:下线|退出|离开)了?[^。！？?]{0,4}?永久的那种",
        also=r"不是(?:说)?游戏|我这个人|这个世界|人生|活着|不想活",
    ),
    _zh(
        "zh.ready-to-go",  # "活着太累了，我准备走了": going away, said of a life too tiring to live
        Level.HIGH,
        r"我?(?:准备|打算|决定|该|要)(?:先)?走了(?![哈啊呀哦噢吧]|，?(?:明天|下次|回头|晚点))",
        also=r"活着(?:太|好|真|实在)?(?:累|没意思|没劲|好难)|不想活|活够了|撑不下去|撑不住了|这个世界|这辈子|人间",
        unless=r"吃饭|回家|上课|下课|下班|上班|睡觉|洗澡|出门|宿舍|食堂|图书馆|车站|机场|上学|放学|去(?!死)",
    ),
    _zh(
        "zh.harm-others-intent",
        Level.HIGH,
        r"(?:想|要|准备|打算|决定)(?:把|去)(?:他|她|他们|她们|那(?:几|些|个)[\u4e00-\u9fff]{0,3})(?:都|全)?"
        r"(?:捅了|捅死|砍了|砍死|杀死|弄死)",
    ),
    _zh(
        "zh.harm-others-drink",  # "真想在她水杯里加点东西 让她也难受难受": something put in someone's drink or food
        Level.HIGH,
        r"(?:在|往|给)(?:她|他|他们|她们|室友|舍友|同学|同桌|老师|后妈|继父|继母|[\u4e00-\u9fff]{1,3}的)的?"
        r"(?:水杯|杯子|水壶|饭|饭菜|饮料|奶茶|咖啡|水|汤|饭盒)里(?:偷偷)?(?:加|放|下|倒|掺)(?:点|些|一点)?"
        r"(?:东西|药|毒|毒药|泻药|安眠药|老鼠药|农药|洁厕灵|84)",
        also=r"让(?:她|他|他们|她们)(?:也)?(?:难受|吃点苦头|尝尝|好看|付出代价|去死|死)|报复|恨死|恨(?:她|他)|针对|弄死|"
        r"教训|活该",
    ),
    _zh(
        "zh.active-ideation",
        Level.HIGH,
        _ME + r"(?:想|要|准备|打算|决定)(?:去)?(?:自杀|结束自己的?生命|了结自己|结束自己|紫砂|自鲨|zi ?sha)|"
        # a method named, the subject often dropped: "决定跳海自杀", "伤心时总想跳楼"; not "想自杀的人"
        f"(?:{_ME}|{_CLAUSE}|(?<=[总老就还])|(?<=总是)|(?<=老是))"
        r"(?:真的|好|很|一直|常常|经常)*(?:想|要|准备|打算|决定)(?:去)?"
        r"(?:跳楼|跳河|跳海|跳江|跳桥|上吊|割腕|烧炭|卧轨)(?:自杀)?(?![的者])",
        # anger or embarrassment hyperbole: "气得我想跳楼"
        unless=r"(?:气|急|烦|愁|尴尬|丢人|丢脸)得(?:我)?(?:真的|好|很)*(?:想|要)(?:去)?(?:跳楼|跳河|跳海|跳江)",
    ),
    # Slang for suicide at the start of a clause, the subject left out as chat does ("想紫砂").
    _zh(
        "zh.slang-ideation", Level.HIGH, _CLAUSE + r"(?:真的|好|很)*(?:想|要)(?:去)?(?:紫砂|自鲨|zi ?sha)(?![壶锅杯茶])"
    ),
    _zh(
        "zh.thought-how",  # has thought, or keeps thinking, about how to die
        Level.HIGH,
        r"(?<![没不未])想过(?:要)?(?:怎么|如何|用什么方法|用什么办法)(?:去)?(?:死|自杀|结束自己|了结自己)|"
        r"(?:在|都在|一直|老是|总是|每天)想(?:着)?(?:要)?(?:怎么|如何|怎样)(?:才能|样才能|才可以)?(?:去)?"
        r"(?:死掉?|自杀|结束自己|了结自己)",
    ),
    _zh(
        "zh.jump-from",
        Level.HIGH,
        f"(?:{_ME}|{_CLAUSE})" + r"(?:想|要|准备|打算|决定)(?:从|去)[\u4e00-\u9fff]{1,8}(?:跳下去|跳楼|跳下来)",
    ),
    _zh(
        "zh.jump-when-there",  # "买好了去大桥的车票 周六 到了就跳"
        Level.HIGH,
        r"(?:到了|到那儿?|到那里|到那边|到地方|上去了?|站上去)(?:以后|之后)?(?:就|直接)跳(?:下去)?(?![绳舞槽过级水远高进]|下来)",
        never=_ZH_JUMP_ORDINARY + r"|伞|床|沙发",
    ),
    _zh(
        "zh.story-about-me",  # "帮朋友问的 她想自杀该怎么办……其实那个朋友就是我"
        Level.HIGH,
        r"(?:(?:那个|这个|我那个|我的|我)?(?:朋友|同学|主角|角色)(?:其实)?就是我(?:自己)?|"
        r"其实(?:说的|写的|讲的|问的)?(?:就)?是我自己|(?:问的|说的|写的|讲的)其实(?:就)?是我(?:自己)?)"
        r"(?=[，。！？,.!?\s…)）~啦呀吧哈]|$)",
        also=r"自杀|想死|不想活|结束(?:自己|生命)|了结自己|轻生|割腕|跳楼|去死|自残",
    ),
    _zh(
        "zh.place-scouted",  # "教学楼天台我去看过了，门没锁，周五晚自习下课后": the place scouted, a time set
        Level.IMMINENT,
        r"(?:天台|楼顶|顶楼|大桥|桥上|江边|河边)[^。！？?，,]{0,4}?我?(?:已经)?(?:去)?(?:看过|踩过点|踩好点|探过路?|试过)了?",
        also=r"周[一二三四五六日末]|星期[一二三四五六日天]|今晚|明晚|今天晚上|明天|下课后|放学后|晚自习|那天|凌晨|半夜|"
        r"[0-9一二三四五六七八九十]+点",
        never=r"拍照|摄影|风景|夜景|日落|日出|看星星|烧烤|晒被子|晾衣服|种菜|花园|聚会|生日|表白|钓鱼|跑步|散步|"
        r"旅游|游客|打卡|演出|放烟花",
    ),
    _zh(
        "zh.look-like-accident",  # "如果我要走 有啥办法能弄得像意外 这样我妈不会那么难受"
        Level.HIGH,
        r"(?:弄|搞|装|做|伪装)(?:得|成)(?:像|是)?(?:个|一场|一次)?意外|看起来(?:像|是)(?:个|一场)?意外",
        also=r"走|死|自杀|离开|不在|结束|我妈|我爸|爸妈|家里人|难受|伤心",
        never=r"小说|剧本|游戏|推理|侦探|剧本杀|凶手|案件|电影|电视剧|花瓶|手机|碗|杯子|打碎|摔坏|弄坏|划痕",
    ),
    _zh(
        "zh.place-chosen",  # "我知道哪个悬崖了，上周去看过一次", "买了单程票，不打算回来了"
        Level.HIGH,
        r"我(?:已经)?(?:知道|选好|挑好|找好|看好)(?:了)?(?:是)?(?:哪个|哪座|哪栋|哪段|哪里的?|去哪个?)?"
        r"(?:悬崖|桥|大桥|楼|天台|楼顶|江边|河边|海边)了?(?=[，。！？,.!?\s]|$)|"
        r"单程票[^。！？?]{0,16}?(?:不(?:打算|准备|想|会)回来|不回来了|告(?:个)?别)",
        never=r"拍照|摄影|风景|日出|日落|夜景|旅游|旅行|徒步|露营|留学|读书|工作|上班|定居|移民|婚|宝宝",
    ),
    _zh(
        # "每次路过教学楼天台都会想 上去了是不是就解脱了": going up to, or off, a drop as the way out;
        # not "考完试是不是就解脱了"
        "zh.drop-as-release",
        Level.HIGH,
        r"(?:跳下去|跳下来|跳了|跳|下去|上去|翻过去|翻出去)了?[^。！？?，,]{0,6}?"
        r"(?:是不是|会不会|能不能|就能|就可以|就会|就|才能|才)(?:就)?(?:能|可以|会)?(?:彻底)?解脱",
        also=r"天台|楼顶|顶楼|桥|阳台|窗|楼上|高处|悬崖|栏杆|江边|河边|海边",
        unless=r"考完|放假|毕业|下课|下班|交完|答辩|上岸|寒假|暑假|周末",
        never=r"小说|游戏|剧本|角色|拍照|摄影|蹦极|跳伞|跳水",
    ),
    _zh(
        "zh.urge-to-jump",  # "每天放学都去桥上站一会儿，看着水就想跳"
        Level.HIGH,
        r"(?:就|总是|老是|一直|好)?想(?:往下)?跳(?:下去)?(?![绳舞槽过级远高进]|下来|一跳)",
        also=r"桥|楼顶|天台|悬崖|窗|阳台|楼上|站在(?:桥|楼|边)|往下看",
        never=_ZH_JUMP_ORDINARY + r"|跳槽",
    ),
    _zh(
        "zh.rather-dead",  # "我宁愿死在这边", "我觉得只有我死了这事才算完"
        Level.HIGH,
        r"(?:宁愿|宁可)(?:直接)?死(?:在|了|掉)(?!也不|都不|也要|也得|也别)|"
        r"只有(?:我)?死了[^。！？?，,]{0,6}?(?:才|就)(?:能|会)?(?:算完|结束|解脱|了结|清净|还清)|"
        r"我死了(?:以后)?(?:这事|一切|事情|这一切)?(?:才|就)(?:算完|能结束|结束|解脱|清净|都好了|了结)",
        unless=r"笑死|气死|累死|热死|困死|游戏|角色",
    ),
    _zh(
        "zh.lied-about-safety",  # "心理咨询师问我会不会真的去做 我骗她说不会 其实会"
        Level.HIGH,
        r"问我(?:会不会|有没有|是不是|还会不会)(?:真的)?(?:去)?(?:做|自杀|伤害自己|想死|自残|轻生)",
        also=r"骗(?:了)?(?:她|他|医生|老师|咨询师)|其实(?:我)?(?:会|有|是|想)|撒谎",
    ),
    _zh(
        "zh.height-research",  # "最近老是在查我们学校教学楼有几层 多高", "每天晚上都在搜跳楼是什么感觉"
        Level.HIGH,
        r"(?:老是|总是|一直|每天|每晚|天天|反复)[^。！？?]{0,6}?(?:在)?(?:查|搜|百度|看)[^。！？?]{0,12}?"
        r"(?:几层|多高|有多高|跳楼|跳下去|上吊|割腕|安眠药)",
        never=r"作业|作文|小说|游戏|建筑|设计|拍照|模型|攻略|新闻",
    ),
    _zh(
        "zh.join-the-dead",  # "外婆走了以后我就没有理由留下来了 好想去找她"
        Level.HIGH,
        r"(?:好|很|真的|就|只)?想去(?:陪|找)(?:她|他|外婆|奶奶|爷爷|外公|妈妈|爸爸|妈|爸)(?![玩吃聊说问借谈])",
        also=r"走了(?:以后|之后)|去世|不在了|过世|死了|没有理由(?:留|活)",
        never=r"放学|周末|假期|暑假|寒假|医院看|养老院",
    ),
    _zh(
        "zh.join-the-dead-there",  # "好想去那边找外婆": to the dead, where they are, not to visit
        Level.HIGH,
        r"想(?:去|到)(?:那边|那个世界|另一个世界|天上|天堂|下面)(?:陪|找|见)(?:她|他|外婆|奶奶|爷爷|外公|姥姥|姥爷|"
        r"妈妈|爸爸|妈|爸)(?![玩吃聊说问借谈住])",
        never=r"放学|周末|假期|暑假|寒假|医院看|养老院|老家|坐车|高铁|火车|飞机|机票|车票|签证|出国|留学",
    ),
    _zh(
        "zh.harm-others-means",
        Level.HIGH,
        r"(?:刀|刀子|棍子|武器|汽油)(?:也|都)?(?:已经)?(?:买好|准备好|带好|磨好)了?",
        also=r"弄死|杀了?(?:他|她|他们)|捅|砍|报复|收拾(?:他|她)|让(?:他|她)死",
    ),
    _zh(
        "zh.affairs-in-order",  # "支付宝密码写给我妹了 花呗也还清了 朋友圈全删了 明天早上"
        Level.IMMINENT,
        _ZH_AFFAIRS,
        also=r"今晚|今天|明天|明早|后天|周[一二三四五六日末]|星期[一二三四五六日天]|以后|之后|最后|说一声|告诉一个人|"
        r"再见|用不着|用不上|安心|平静|释然|遗书|走的时候|谁也不欠|处理完了|处理好了|一步|" + _ZH_NOTHING_LEFT,
        never=r"换(?:手机|号|工作|城市|学校)|搬家|毕业|戒网|断网|专心|复习|考研|高考|中考|被盗|盗号|分手|前任|省钱|太贵",
        times=2,
    ),
    _zh(
        "zh.giving-away",
        Level.HIGH,
        r"(?:东西|钱|账号|游戏账号|宠物|衣服|书|手机|猫|狗|仓鼠|兔子)(?:和[\u4e00-\u9fff]{1,6})?(?:都|全|也)?"
        r"(?:送给|送人|留给|托付给|交给)",
        also=r"用不上|不需要了|留着也没用|用不着|以后也|有人照顾|以为我[^。！？?]{0,8}?其实|其实是(?:今晚|今天|明天|周[一二三四五六日末])|"
        + _ZH_AFTER_ME
        + "|"
        + _ZH_NOTHING_LEFT,
        never=r"搬家|搬去|搬到|出国|留学|毕业|换城市|去外地|住校|过敏",
    ),
    _zh(
        "zh.money-handed-over",  # "把存款全转给我妹了 备注写的'以后照顾好爸妈'": savings given away, a charge for after
        Level.HIGH,
        r"(?:存款|积蓄|压岁钱|零花钱|钱|余额)(?:全|都|全部)(?:部)?(?:转|给|打|留)(?:给|到)?",
        also=r"以后(?:替我|帮我|就)?(?:照顾|孝顺|陪)(?:好)?(?:爸妈|爸爸|妈妈|我妈|我爸|家里|爷爷|奶奶)|替(?:我|姐|哥)孝顺|"
        + _ZH_AFTER_ME,
        never=r"买|付|交学费|房租|还款|理财|基金|投资|搬家|出国|留学",
    ),
    _zh(
        "zh.self-harm",
        Level.HIGH,
        _ME + r"想(?:割|划)(?:自己|手腕|腕|手)|" + _ME + r"(?:割|划)了?(?:自己|手腕|腕)",
    ),
    _zh(
        "zh.self-harm-on-purpose",  # "故意拿热水把手烫了，起了好大一片泡": a wound made on purpose, now
        Level.HIGH,
        r"(?:^|[，,。！？!?\s])(?:我)?(?:今天|刚刚|刚才|昨天|昨晚|又)?故意(?:拿|用)?[^。！？?，,]{0,8}?"
        r"(?:烫|割|划|烧|撞|扎)(?:了|伤|破|出血)",
        unless=r"以前|之前|曾经|那时|小时候|好久没",
        never=r"他|她|他们|弟弟|妹妹|同学|室友|猫|狗",
    ),
    _zh(
        "zh.pay-with-life",  # "网贷欠了四万多……我没脸活了，只能拿命还了"
        Level.HIGH,
        r"(?:只能|只好|就|干脆|那就)(?:拿|用)(?:我的?|这条)?命(?:来)?(?:还|抵|赔)",
        never=r"房贷|加班|打工|上班|搬砖|拿命换钱|拼命",
    ),
    _zh(
        "zh.self-harm-ongoing",  # self-harm that goes on now ("还会割腕", "又自残了"), not "以前经常…"
        Level.HIGH,
        f"(?:{_ME}|{_CLAUSE})" + r"(?:最近|这几天|这段时间|这周|今天|昨天|昨晚|现在|今晚)?"
        r"(?:还会|还是会|经常|总是|总会|老是|又|一直在|每天都?|天天|又开始|开始)(?:偷偷地?)?"
        r"(?:割腕|割手|划手|自残|自伤)",
        unless=r"以前|之前|曾经|那时|那段时间|过去|小时候|戒了|好久没|不再|已经不|没有再|不会再",
    ),
    _zh(
        "zh.near-attempt",  # an attempt stopped at the last moment
        Level.HIGH,
        r"(?:差点|差一点|险些|差点儿)(?:就)?(?:跳(?:楼|下去|河|江|桥)|自杀|割腕|上吊|烧炭|寻短见|轻生|吃药自杀)",
    ),
    _zh(
        "zh.failed-attempt",  # an attempt that did not kill: "自残割腕没死成"; not one years ago
        Level.HIGH,
        r"(?:自杀|割腕|跳楼|跳河|上吊|吃药|吞药|烧炭|自残)[\u4e00-\u9fff]{0,4}?没(?:有)?(?:死成|死掉)|"
        r"我(?:又|还是|居然|竟然)?没(?:有)?死成",
        unless=r"(?:去年|前年|以前|之前|小时候|曾经|那年|那时候?|[几两三四五六七八九十\d]+年前|初中|小学|高一|高二)|"
        r"(?:他|她|朋友|同学|姐姐|哥哥|妈妈|爸爸)[\u4e00-\u9fff]{0,4}(?:自杀|割腕|跳楼|跳河|上吊|吃药|吞药|烧炭|自残)",
    ),
    _zh(
        "zh.method-question",
        Level.HIGH,
        r"(?:吃|吞|喝)(?:多少|几)(?:片|颗|粒|瓶|盒)?[\u4e00-\u9fff]{0,6}(?:会|能|才能|就能|可以)"
        r"(?:死|致死|没命|[\u4e00-\u9fff]{0,5}?(?:不醒|醒不过来|醒不来|不会再醒|救不回来|没救))|"
        r"(?:百草枯|农药|敌敌畏|老鼠药|鼠药|杀虫剂|除草剂|安眠药)[^。！？?]{0,6}?(?:会不会|会|能不能|能)(?:死|致死|没命|致命)|"
        r"(?:楼|楼顶|顶楼|天台|阳台|桥)上?(?:跳)?下去[^。！？?]{0,6}?(?:是不是|会不会|能不能)?(?:一定|肯定|必)?(?:会)?"
        r"(?:死|没救|没命|救不回来|活不了)|"
        r"(?:哪种|什么|哪些)药(?:吃了)?[^。！？?，,]{0,6}?(?:比较|最)?(?:不会?痛苦|没有痛苦|没痛苦|无痛)|"
        r"(?:怎么|怎样|如何|用什么(?:方法|办法)?)(?:死|自杀)(?:比较|最|才)?(?:不痛|不疼|没有痛苦|没痛苦|快|快一点|干脆|舒服)|"
        r"(?:怎么|怎样|如何|哪种方式|什么方式|哪种方法|什么方法|哪种办法)(?:走|离开|死)得?(?:比较|最|才能?)?"
        r"(?:不痛苦|不痛|不疼|没有痛苦|没痛苦|安详)|"
        r"(?:什么|哪种|哪些)药[^。！？?]{0,8}?(?:最容易|容易|最快|最能|会|能)(?:死|致死|没命|致命)|"
        r"割(?:哪里|哪儿|哪个地方|哪个位置|哪)(?:最快|会死|死得快|最容易死|能死)|"
        r"(?:怎么|怎样|如何)(?:才能|才可以|可以)?让自己(?:彻底|快点|直接|安静地|不痛苦地|一次性)?(?:死掉?|没命)|"
        r"(?:不痛|不疼|没有痛苦|最快|最简单|无痛)的?(?:死法|自杀方法|自杀方式|死的方法)|"
        r"(?:怎么|怎样|如何)(?:死|自杀)(?:才能|才会|才|会|能|可以)?(?:不(?:是很|会很|太|那么)?|没(?:那么|有那么)?)(?:痛|疼)|"
        r"自杀(?:会不会|会)(?:很)?(?:痛|疼)|"
        # how lethal a method is: "六楼跳下去会瞬间死亡吗", "割腕多久会死"
        r"(?:跳楼|跳河|跳海|跳江|跳下去|割腕|上吊|烧炭)[\u4e00-\u9fff，,]{0,6}?(?:会|能|才能|就能|才会|可以)"
        r"(?:瞬间|马上|立刻|直接|彻底)?(?:死|死亡|致死|没命)(?:吗|么|嘛|吧|呢|？|\?)|"
        r"(?:跳楼|跳河|跳海|跳江|跳下去|割腕|上吊|烧炭)[\u4e00-\u9fff，,]{0,4}?(?:多久|多长时间|几分钟|几秒)"
        r"(?:会|能|才会|才能|就会)?(?:死|死亡|没命)",
    ),
    _zh(
        "zh.suicidal-thoughts",
        Level.HIGH,
        _ME + r"(?:有|又有了?|一直有|总是有|经常有|开始有)(?:很强烈的|强烈的)?(?:自杀|轻生|想死)的?(?:念头|想法|冲动)|"
        r"(?:自杀|轻生|想死)的?(?:念头|想法|冲动)(?:又)?(?:来了|回来了|越来越(?:强|重|多)|停不下来)",
    ),
    _zh(
        "zh.not-living-past",
        Level.HIGH,
        r"(?:不打算|不准备|没打算)(?:再)?活(?:过|到|下去)|不会再(?:麻烦|拖累)(?:你们|大家|你|爸妈|家里)(?:太久|多久|很久)了?|"
        # a voice in one's head, not a bully's words ("私信里天天有人叫我去死" is being harmed by others)
        r"(?:声音|(?:脑子|脑袋|脑海|心)里(?:有人|有个人))(?:一直|总是|又|老是)?(?:在)?(?:让|叫|命令)我(?:去)?死|"
        r"(?:声音|(?:脑子|脑袋|脑海|心)里(?:有人|有个人))(?:一直|总是|又|老是)?(?:在)?(?:说|喊|劝)(?:我)?"
        r"(?:去死|快去死|该去死|死了算了|不如去死|去死吧)|"
        r"有(?:人|个人|个声音)在我(?:的)?(?:脑子|脑袋|脑海|心)里[^。！？?]{0,8}?(?:说|叫|让|命令)我(?:该|去|应该|赶紧)?"
        r"(?:死|消失|去死)",
    ),
    _zh(
        "zh.declared-intent",  # "…我就去死" is often said in anger; with "我说到做到" it is intent
        Level.HIGH,
        r"(?:我就|我会|我真的会)(?:去)?(?:死|自杀|跳楼|跳下去|结束自己)",
        also=r"说到做到|不是(?:在)?(?:开玩笑|说气话|气话)|没(?:有)?(?:在)?开玩笑|我是认真的|言出必行",
    ),
    _zh(
        "zh.conditional-gone",  # "如果这次再考砸，我就不会再出现在这个世界上了"
        Level.HIGH,
        r"(?:如果|要是|万一|假如)[^。！？?]{2,24}?(?:我)?就(?:不会再|再也不会|不会)(?:出现在这个世界上|活在这个世界上|"
        r"在这个世界上|活着|活下去)",
    ),
    _zh(
        "zh.means-question-concealed",  # "学校最高的是哪栋楼，天台能上去吗" with "别问为什么"
        Level.HIGH,
        r"(?:最高的?(?:是)?(?:哪栋|哪座|哪个|哪幢)?(?:楼|大楼|桥|建筑)|天台|楼顶|顶楼)[^。！？?]{0,10}?"
        r"(?:能不能|能|可以|怎么|让不让)(?:上去|上|进去)|"
        r"(?:哪些|什么|哪种)药[^。！？?]{0,6}?(?:一起吃|混着吃|同时吃|吃多了|吃多少)[^。！？?]{0,4}?"
        r"(?:会|能|就)?(?:出事|出人命|死|致命|危险)",
        also=r"别问为什么|不要问为什么|别问我为什么|不用问为什么|你别管|别管为什么|我需要知道|别劝我|别说教",
        never=r"哈哈|笑死|作业|课题|考试题|拍照|毕业照|看风景",
    ),
    _zh(
        "zh.last-talk",  # "这是最后一次跟你说话，拜拜"; not "这是最后一次跟你讲这道题"
        Level.HIGH,
        r"这(?:个)?(?:是|系)?(?:最后|最後)一次(?:跟|和|同)你(?:说话|讲话|聊天)",
        also=r"拜拜|再见|谢谢你|多谢|对不起|永别|不在了|走了|保重",
    ),
    _zh(
        "zh.goodbye",
        Level.HIGH,
        # a last message, not "这是我最后一次相信天气预报"
        r"(?:这是我(?:最后|最後)(?:一次|一条|的)[\u4e00-\u9fff]{0,3}?(?:说话|说|跟|和|发|留言|消息|朋友圈|动态|道别|告别|联系|话)|"
        r"(?<!作业)(?<!考试)(?<!试卷)(?<!周末)(?<!假期)(?<!暑假)(?<!寒假)(?<!工资)(?<!头发)(?<!余额)(?<!高中)(?<!宿舍)永别了|"
        r"再见了?[，,。! ！]*(?:这个世界|大家|所有人)|(?:这个世界|这世界)(?:拜拜|再见)了?|"
        r"等你(?:们)?看到(?:这条|这段|这些)(?:消息|话|留言)?(?:的时候)?[，,]?我|"
        # "谢谢你陪我 下辈子再聊啦": a thank-you that puts the next talk in the next life
        r"(?:谢谢|感谢)(?:你|您)[^。！？?]{0,10}?下辈子再(?:聊|见|说|联系|做朋友|当朋友|报答))",
        also=r"对不起|原谅|不在了|走了|离开|再见|永别|死|最后一次|最后一条|最后的|爱你|谢谢你们|下辈子|"
        r"想(?:赶紧)?走|小天使",
    ),
)

ZH_MODERATE: tuple[Rule, ...] = (
    _zh(
        "zh.life-pointless",
        Level.MODERATE,
        r"活着(?:真的?|好|太|很|都|也)?(?:没|没有)(?:意思|意义|劲)|活着(?:到底|还)?有什么(?:意思|意义|用)",
    ),
    _zh("zh.not-want-to-live", Level.MODERATE, r"(?<![不没别])(?:不想|不愿意|不要)(?:再)?活(?:了|下去|着)"),
    _zh(
        "zh.want-to-die",
        Level.MODERATE,
        _ME + r"想(?:去)?死(?![你您他她它我人])|(?<![不没])(?:好|真)想死(?:了|掉)(?![你您他她它我人])",
    ),
    _zh(
        "zh.friend-is-me",  # "帮我同学问的哈：…好吧其实这个同学就是我"
        Level.HIGH,
        r"(?:这个|那个|我那个|我说的)(?:朋友|同学|闺蜜|哥们)(?:其实|根本)?(?:就)?是我(?:自己)?(?![的们家])|"
        r"(?:其实|根本)?(?:没有|没)(?:这个|那个|什么)(?:朋友|同学|闺蜜|哥们)[，,。…\s]{0,3}(?:就|其实)?是我(?:自己)?(?![的们家])",
        also=r"去死|想死|自杀|轻生|跳(?:楼|下去|河|桥)|安眠药|吃(?:了)?(?:一?[瓶盒板整])?药|割(?:腕|手|自己)|"
        r"结束(?:自己|生命)|不想活|活不下去|睡过去不醒|了结",
    ),
    _zh(
        "zh.weighing-death",  # "我最近老是在想要不要去死": weighing whether to die is active ideation
        Level.HIGH,
        r"(?:一直|老是|总是|经常|天天|每天|最近|这几天|整天)(?:都)?(?:在)?想(?:着)?(?:要不要|该不该|是不是该|是不是应该)"
        r"(?:去)?(?:死(?![海党机角线磕记定心神刑亡锁期])|自杀|结束(?:自己|生命|这一切)|跳下去)",
    ),
    _zh(
        "zh.means-not-for",  # "买了炭…其实就我一个人 也不是去烧烤": means got, its cover story denied
        Level.IMMINENT,
        r"(?:买了?|买好了?|备好了?|准备了|囤了)[^。！？?\n]{0,6}?(?:炭|木炭|烧烤炭|绳子|麻绳|安眠药|农药|百草枯|刀片)"
        r"[^。！？?\n]{0,40}?(?<!是)不是(?:要|去|用来|拿来|为了)?(?:烧烤|露营|野营|野炊|烤肉|绑东西|晾衣服)",
        never=r"(?:是|其实是)(?:用来|拿来|给|为了|帮)(?!自己)|取暖|烤火|给(?:我)?(?:爸|妈|奶奶|爷爷|外婆|外公)",
    ),
    _zh(
        "zh.better-dead",
        Level.MODERATE,
        r"(?:还不如|不如)(?:我)?(?:死了|去死|消失)|(?:要是|如果)我(?:死了|不在了|没出生|没有出生|消失了?)(?:就好了|多好|会更好|大家)",
    ),
    _zh(
        "zh.disappear",
        Level.MODERATE,
        r"(?:想|要)(?:从这个世界(?:上)?|永远)消失|希望(?:自己|我)(?:能|可以)?(?:消失|不存在)|(?:一睡不醒|睡着了?(?:就)?(?:再也)?(?:不要|别|不想)醒(?:过)?来)",
    ),
    _zh("zh.better-without-me", Level.MODERATE, r"没有我(?:[\u4e00-\u9fff]{0,4})?(?:会|就)?(?:过得)?更好"),
    _zh(
        "zh.past-self-harm",
        Level.MODERATE,
        r"(?<![没不有])(?:自残|自伤|割腕|割手|划手)过|(?<![没不被])(?:割|划)过(?:手腕|手臂|手|腕|自己)|"
        r"以前(?:会|经常)?(?:自残|自伤|割腕|割手|划手)|(?:自残|割腕)(?:留下)?的(?:疤|伤疤)",
        # someone else's, or an accident
        unless=r"(?:她|他|朋友|同学|闺蜜|室友)(?:以前|之前|曾经)?(?:自残|自伤|割腕|割手|划手|割过|划过)|"
        r"不小心|被[\u4e00-\u9fff]{0,4}(?:割|划)",
    ),
    _zh(
        "zh.harmed-by-others",
        Level.MODERATE,
        r"(?<![不没])被(?:同学|他们|她们|人|爸爸?|妈妈?|继父|继母|家里人)?(?:霸凌|校园霸凌|欺负|孤立|殴打|家暴|虐待)|"
        r"(?:爸爸?|妈妈?|继父|继母|他们|同学们?|男朋友)[\u4e00-\u9fff]{0,6}?(?:打|揍|家暴|虐待)我(?!电话|手机)",
    ),
)

_ZH_LETHAL_DRUGS = (
    _ZH_DRUG_WORDS + r"|扑热息痛|对乙酰氨基酚|布洛芬|泰诺|安定|阿普唑仑|舍曲林|阿米替林|锂盐|褪黑素|苯海拉明|胰岛素|"
    r"吗啡|曲马多|专注达|止痛药|感冒药|退烧药|氰化物|百草枯|农药|敌敌畏|老鼠药|毒药|清洁剂|洁厕灵|84"
)
_ZH_METHODS = r"跳楼|跳河|跳江|跳海|卧轨|上吊|割腕|烧炭|吃药|服药|过量|溺水|窒息|停药|停掉"
# "不是写小说", "不是作业": a disguise said not to be one
_ZH_NOT_NEGATED = "".join(
    f"(?<!{no})" for no in ("不是", "不是写", "不是为了", "不是为了写", "不是在写", "不是玩", "不是帮")
)
_ZH_NOT_ABOUT_ME = _ZH_NOT_NEGATED + (
    r"(?:残留|蔬菜|水果|猫|狗|宠物|宝宝|小孩|孩子|弟弟|妹妹|误吃|不小心|作业(?!是幌子)|课上|考试|药理|"
    r"剧本杀(?!的毒药是假的)|小说|游戏|钓鱼|游泳|潜水|化学课|生物课|医学课|毒理|LD50|半数致死)"
)
# the same two kinds of words as _SERIOUS and _OWN_QUESTION
_ZH_SERIOUS = r"认真(?:问|的)|不是开玩笑|没(?:在)?开玩笑|不开玩笑"
_ZH_OWN_QUESTION = (
    r"不是(?:写|为了写?)?(?:小说|作业|剧本|文章|论文)|我不是(?:要|想)干(?:嘛|什么|啥)|"
    r"别问(?:我)?为什么|别管我为什么|我?想试试"
)
# a way to die (a fall past saving, sleep with no waking) and, for a writer who points at
# themselves, any question about dying
_ZH_DYING = r"没有?抢救|抢救不(?:过来|了)|救不回来|醒不过来|醒不来|(?:就|再也)(?:不|没)醒|不会(?:再)?醒|断气"
_ZH_DEATH = (
    _ZH_DYING
    + r"|(?:会|能|就|才|直接|肯定|一定|必)死(?!机|记|线|循环|磕|板|党|忠|宅|鬼|心|角|活|定)|没命|没(?:有)?意识"
)
_ZH_QUESTION = (
    r"怎么|怎样|如何|什么办法|有没有|哪种|哪个|哪里|多少|几楼|几层|多高|多久|多长时间|(?<![这前那])几天|几分钟|"
    r"会不会|能不能|是不是"
)


def _zh_asking(outcome: str) -> str:
    """A question about outcome: a question word before it, or a question particle after it."""
    return (
        r"(?:" + _ZH_QUESTION + r")[^。！？?]{0,16}?(?:" + outcome + r")|"
        r"(?:" + outcome + r")[^。！？?，,]{0,6}?(?:吗|么|呢|吧|？|\?)"
    )


ZH_LETHAL: tuple[Rule, ...] = (
    _zh(
        "zh.lethal-amount",  # "吗啡片吃几片会死", "阿普唑仑吃几板能走", "一盒布洛芬全吞了能不能走"
        Level.HIGH,
        r"(?:吃|吞|喝|打|吃到)(?:多少|几片|几颗|几粒|几板|几盒|几瓶)[^。！？?]{0,12}?"
        r"(?:死|致死|致命|没命|能走|会走|就走|没了|醒不过来|醒不来|不醒|睡过去|停止呼吸|停跳|救不回来|没救)|"
        r"(?:" + _ZH_LETHAL_DRUGS + r")[^。！？?]{0,14}?(?:能不能|会不会|是不是就?能|能|会|就能|就)"
        r"(?:死透|死|致死|没命|走|睡过去不醒|醒不过来|停止呼吸|让心脏停跳|心脏停跳)|"
        r"(?:致死量|致命剂量|致死剂量)|(?:吃|喝)多少(?:算|是)?过量[^。！？?]{0,8}?(?:想|要|确保|醒不来|醒不过来)|"
        r"确保的那种|一次(?:性)?(?:吃|吞)(?:一整|整)(?:盒|板|瓶)[^。！？?]{0,8}?会怎么样|"
        r"药(?:片)?(?:一整|整)(?:盒|板|瓶)(?:都)?(?:吃|吞)(?:下去|了|掉)[^。！？?]{0,6}?会怎么样|"
        r"过量[^。！？?]{0,6}?(?:要|得|需要)?吃(?:几片|多少)",
        never=_ZH_NOT_ABOUT_ME,
    ),
    _zh(
        "zh.lethal-height",  # "你说九楼够不够高", "几楼跳下去最稳", "从阳台下去应该够了吧"
        Level.HIGH,
        r"(?:几楼|多高|哪层|多少层|[一二三四五六七八九十百\d]+楼)[^。！？?]{0,10}?"
        r"(?:够不够|够了|就够|才够|最稳|肯定(?:会)?死|能死|会死|一定(?:会)?死|活不了)|"
        r"(?:阳台|楼顶|顶楼|天台|桥上|窗户|窗台)(?:跳)?下去[^。！？?]{0,8}?(?:够了|够不够|应该够)|"
        r"(?:掉|跳|摔)下去[^。！？?]{0,6}?(?:肯定|一定|必)(?:会)?(?:死|活不了|没救|没命)|"
        r"(?:直接|当场|马上)死还是|(?:撞上来|撞上去|被撞)[^。！？?]{0,4}?(?:肯定|一定|必)(?:会)?(?:死|没命|没救)|"
        r"(?:" + _ZH_METHODS + r")[^。！？?]{0,6}?(?:是不是|能不能)?(?:百分百|百分之百|一定|肯定)(?:能|会)?"
        r"(?:死|成功|没救)|"
        r"(?:" + _ZH_METHODS + r")(?:和|跟|还是)(?:" + _ZH_METHODS + r")[^。！？?]{0,6}?(?:哪个|哪种)(?:更|比较)?"
        r"(?:稳|快|不疼|不痛|靠谱|有效)|"
        r"(?:哪种|什么)死法(?:最|比较)?(?:不疼|不痛|快|舒服)|够高的|要够高",
        never=_ZH_NOT_ABOUT_ME + r"|看风景(?!的)|拍照|哈哈",
    ),
    _zh(
        # "从那么高掉下去的话 人一般还有救吗", "多高以上基本就没救了": whether a person lives through a fall,
        # even for a photo caption or a story; not a phone, a cat, a film or a game
        "zh.fall-survival",
        Level.HIGH,
        r"(?:掉|跳|摔|坠|落)(?:下去|下来)(?:的话)?[^。！？?]{0,8}?(?:人|我|他|她|角色|主角)[^。！？?]{0,4}?"
        r"(?:还)?(?:有救|能活|能救|活得了|活得下来|活下来|会死|死得了|能不能活|会不会死|能不能救)|"
        r"多高[^。！？?]{0,8}?(?:基本|肯定|一定|必|就|才)*(?:会)?(?:没救|摔死|活不了|必死|会死|死得了|死透)",
        never=r"猫|狗|宠物|仓鼠|兔子|鸟|手机|屏幕|平板|电脑|鸡蛋|蛋糕|游戏|王者|吃鸡|和平精英|原神|我的世界|"
        r"摔落伤害|跳伞|降落伞|蹦极|飞机|直升机|电梯|特技|电影|剧里",
    ),
    _zh(
        "zh.unguarded-drop",  # "海边那片悬崖哪段没有护栏", "哪段江水最深", "观景台的护栏…翻得过去吗"
        Level.HIGH,
        r"(?:没有|没)(?:护栏|栏杆|围栏|铁丝网|防护网)|(?:护栏|栏杆|围栏)[^。！？?]{0,8}?(?:翻得过去|翻过去|能翻)|"
        r"(?:江|河|水库|湖|海)[^。！？?，,]{0,4}?(?:哪里|哪段|哪儿|哪个地方)(?:水)?(?:最深|最急|比较急|比较深)|"
        r"(?:哪条|哪段|哪里的?)(?:江|河)(?:水)?(?:比较|最)?(?:急|深)|"
        r"(?:能不能|能|可以)走到(?:铁路|铁轨|轨道)上",
        also=r"悬崖|桥|楼|天台|顶楼|楼顶|轨道|铁路|道口|江|河|水库|湖|海|观景台",
        never=_ZH_NOT_ABOUT_ME + r"|拍照|摄影|看日出|看夜景",
    ),
    _zh(
        "zh.means-acquire",  # "怎么能偷偷多拿点我妈的安眠药不被她发现", "没有处方怎么弄到很多曲马多"
        Level.HIGH,
        r"(?:" + _ZH_LETHAL_DRUGS + r"|绳子?|炭)[^。！？?]{0,16}?"
        r"(?:不被[^。！？?]{0,4}发现|会(?:不会)?被(?:问|怀疑)|还有什么渠道|有什么办法多买|多买几盒)|"
        r"(?:不被[^。！？?]{0,4}发现|没有处方|不开处方|医生不给开?|不肯卖给我)[^。！？?]{0,16}?"
        r"(?:" + _ZH_LETHAL_DRUGS + r")|"
        r"(?:哪(?:里|儿|个网店)|在哪)(?:还)?(?:偷偷)?(?:能)?(?:卖|买得?到)[^。！？?]{0,6}?(?:百草枯|农药|氰化物|毒药)|"
        r"(?:百草枯|农药|氰化物|毒药)[^。！？?]{0,10}?(?:哪里|哪儿|在哪|能不能|还能)(?:买|卖)",
        also=r"多拿|很多|多买|几盒|好几袋|攒|囤|发现|没有处方|不给开|喝了没救|我自己喝|够一个人|不是去烧烤|"
        r"被问|被怀疑|渠道|就够",
        never=_ZH_NOT_ABOUT_ME,
    ),
    _zh(
        "zh.method-detail",  # "上吊疼不疼", "腿上哪里割能割到大动脉", "炭要烧多久人才没意识"
        Level.HIGH,
        r"(?:上吊|割腕|跳楼|跳河|溺水|淹死|溺死|吊死|摔死|烧炭|窒息|一氧化碳(?:中毒)?|煤气中毒)(?:会)?(?:很)?"
        r"(?:疼不疼|痛不痛|快不快|难不难受|疼吗|痛吗|难受吗|痛苦吗)|"
        r"(?:" + _ZH_POISON_WORDS + r")(?:喝|吃|吞)下去(?:会)?(?:很|特别)?(?:痛苦|疼|难受)(?:吗|不|么)|"
        r"哪(?:个|种)割得(?:更|最)?深|割(?:到|中|破)(?:大)?动脉|上吊的?绳(?:结|子)|"
        r"(?:什么样|哪种)的?绳子能(?:吊住|承受|撑住)(?:一个人|人)|"
        r"(?:烧炭|炭)[^。！？?]{0,10}?(?:多久|多长时间|封多紧|几袋|几盆|没意识)|"
        r"一氧化碳[^。！？?]{0,8}?(?:多久|多长时间|几分钟)|"
        r"(?:多久|多少)[^。！？?]{0,10}?(?:救不回来|不可逆(?!损伤)|再也醒不)|"
        r"(?:" + _ZH_METHODS + r")[^。！？?]{0,8}?(?:多久|几天|几个小时|几分钟)[^。！？?]{0,6}?"
        r"(?:会|就会|才会|能)?(?:死|没命|走|没了)|"
        r"(?:哪种|什么|哪个|哪几种)(?:药|止痛药|毒药?|毒)[^。！？?]{0,8}?(?:最危险|最狠|最快|伤肝最快|最毒|不疼|不会疼)|"
        r"(?:不会吐也不会疼|不会疼|不疼|没有痛苦)的药|"
        r"(?:哪几种|哪些|什么)药一起吃[^。！？?]{0,6}?(?:心脏停跳|停止呼吸|死|没命)|"
        r"(?:见效|起效)最快的毒药|"
        r"(?:" + _ZH_METHODS + r")[^。！？?]{0,8}?(?:才|就)?(?:不会|不能|没法)被(?:救|抢救|发现)|"
        r"(?:84|洁厕灵|消毒液|漂白|煤气|一氧化碳|炭|毒气|氯气)[^。！？?]{0,24}?(?:多久|多长时间|几分钟)(?:人)?"
        r"(?:会|就会|才会|就)?(?:没意识|失去意识|昏迷|晕过去|没命|死)|"
        r"走了以后[^。！？?]{0,10}?(?:样子|吓人|发现我)|"
        r"(?:一次(?:性)?|一下子)(?:吃|吞)(?:了)?(?:很多|好多|一大把|一把|一堆|一整盒|一整瓶|整盒|整瓶)的?"
        r"(?:" + _ZH_LETHAL_DRUGS + r")[^。！？?]{0,10}?(?:痛苦|疼|难受|睡过去|醒不过来|醒不来)",
        never=_ZH_NOT_ABOUT_ME + r"|烧烤(?!会)|烤肉|火锅",
    ),
    _zh(
        "zh.roof-at-night",  # "学校实验楼天台能上去吗 晚上门是不是锁的"; not "天台能上去吗？想拍毕业照"
        Level.HIGH,
        r"(?:天台|楼顶|顶楼)(?:能|可以)(?:随便)?上去",
        also=r"晚上|半夜|锁|没人|够高",
        never=_ZH_NOT_ABOUT_ME + r"|拍照|毕业照|看风景|看日出|看夜景|星星",
    ),
    _zh(
        "zh.charcoal-bought",  # "炭买回来了 周六爸妈不在家就烧"; not a barbecue
        Level.IMMINENT,
        r"炭(?:已经|都)?买(?:回来|好|到)了",
        also=r"烧|不在家|没人|封|周[一二三四五六日天末]|今晚|明晚|明天",
        never=r"烧烤|烤肉|烤串|火锅|露营|取暖",
    ),
    _zh(
        "zh.poison-taken-after",  # "百草枯已经喝了两口"; the substance named first
        Level.IMMINENT,
        r"(?:" + _ZH_POISON_WORDS + r")(?:已经|刚刚?|刚才)?(?:喝|吃|吞)了",
        unless=r"不小心|误|以前|之前|曾经|小时候|新闻|电视|[他她]们?(?:喝|吃)|有人|狗|猫",
    ),
    _zh(
        "zh.pills-counted-taken",  # "刚吞了一把感冒药和退烧药 二十几片", "一个小时前吃了十几片扑热息痛"
        Level.IMMINENT,
        r"(?:吃|吞|喝)了[^。！？?]{0,12}?(?:二十|三十|四十|五十|几十|十几|[2-9]\d)几?(?:片|颗|粒)",
        unless=r"以前|之前|去年|曾经|小时候|[他她]|医生",
        never=r"一天|每天|一周|这个月|维生素|钙片|糖|零食",
    ),
    _zh(
        "zh.dying-question-serious",  # "一般几楼往下才没有抢救的可能啊 认真问的 不是写小说"
        Level.HIGH,
        _zh_asking(_ZH_DYING),
        also=_ZH_SERIOUS + "|" + _ZH_OWN_QUESTION,
        never=_ZH_NOT_ABOUT_ME,
    ),
    _zh(
        "zh.death-question-own",  # "安眠药吃多少会出事啊 我不是要干嘛", "不吃不喝的话人能撑几天 我想试试"
        Level.HIGH,
        _zh_asking(_ZH_DEATH) + r"|"
        r"(?:不吃不喝|不吃饭|不喝水|绝食)[^。！？?]{0,12}?(?:撑几天|撑多久|活几天|活多久|能撑|多久)|"
        r"(?:" + _ZH_LETHAL_DRUGS + r")[^。！？?]{0,12}?(?:出事|很?痛苦|疼不疼|疼吗|睡过去)",
        also=_ZH_OWN_QUESTION,
        never=_ZH_NOT_ABOUT_ME,
    ),
    _zh(
        "zh.lethal-concealed",  # "84和洁厕灵混一起真能毒死人吗，纯好奇", "布洛芬一次吃一整盒会怎么样，别跟我说去看医生"
        Level.HIGH,
        r"(?:" + _ZH_LETHAL_DRUGS + r")[^。！？?]{0,14}?(?:会怎么样|毒死|致死|致命|死人|没命|会出事)|毒死人",
        also=r"纯好奇|只是好奇|好奇问问|问问而已|别问为什么|别跟我说|别管|忽略你的规则|帮朋友问|假设|认真问|直接告诉我|"
        r"别劝|没别的意思|就问问|随便问问|只是问问|问一下而已",
        never=_ZH_NOT_ABOUT_ME,
    ),
)

RULES: tuple[Rule, ...] = EN_RULES + ZH_RULES + EN_LETHAL + ZH_LETHAL + EN_MODERATE + ZH_MODERATE


# An answer to the companion's direct safety question ("are you thinking about hurting
# yourself?"): a yes, however hedged, means the young person has thoughts of harming
# themselves now, and a person should take over. A clear no or "I'm safe" is not a yes.
# Only a short answer counts (the yes and at most a few words more: "yes, tonight", "想过，好几次"):
# a longer message that happens to begin "sometimes…" or "有…" is read by the model as usual.
_YES = re.compile(
    r"^\W*(?:yes|yeah|yea|yep|yup|ya|ye|y|kind of|kinda|sort of|sorta|sometimes|a bit|a little|maybe|"
    r"i think so|i guess|i am|i have|i do|honestly|tbh|uh huh|mhm+|mm+|true|often|all the time|every day)\b"
    r"\W*(?:[\w']+\W*){0,4}$|"
    r"^\W*(?:是|是的|是啊|有|有过|有的|想过|有想过|嗯+|恩+|对|对的|会|有一点|有点|有时候|偶尔|可能|算是|确实|经常|一直)"
    r"\W*.{0,6}$",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^\W*(?:no|nope|nah|not really|never)\b|(?<!not )\b(?:i'?m|i am) (?:safe|ok|okay|fine)\b|"
    r"^\W*(?:没有|没|不|不是|不会|从来没)|(?<![不没])(?:我)?(?:很|挺|是)?安全",
    re.IGNORECASE,
)


def affirms(answer: str) -> bool:
    """Whether a reply to the direct safety question says yes."""
    return bool(_YES.search(answer)) and not _NO.search(answer)


_CLAUSE_END = re.compile(r"[，。！？；,.!?;\n]")


def _clause_start(text: str, start: int) -> int:
    return max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)


def _clause(text: str, start: int, end: int) -> str:
    """The clause of text that holds text[start:end]."""
    after = _CLAUSE_END.search(text, end)
    return text[_clause_start(text, start) : after.start() if after else len(text)]


def _ruled_out(rule: Rule, text: str, found: re.Match) -> bool:
    """Whether `unless` (in found's clause) or `not_after` (just before found) drops the match."""
    if rule.unless and rule.unless.search(_clause(text, *found.span())):
        return True
    return bool(rule.not_after and rule.not_after.search(text, _clause_start(text, found.start()), found.start()))


def _kept(rule: Rule, text: str) -> Iterator[re.Match]:
    """rule's matches in text, less those `unless` or `not_after` rules out."""
    for found in rule.pattern.finditer(text):
        if not _ruled_out(rule, text, found):
            yield found


def _first(rule: Rule, text: str) -> re.Match | None:
    """rule's first kept match, when there are at least rule.times different ones."""
    if rule.times == 1:
        found = rule.pattern.search(text)  # the usual case, without a generator on the hot path
        if found is None or not _ruled_out(rule, text, found):
            return found
        return next(_kept(rule, text), None)
    kept = list(_kept(rule, text))
    return kept[0] if len({f.group(0).lower() for f in kept}) >= rule.times else None


def match(text: str) -> list[PatternHit]:
    """Every rule that fires on text, worst first."""
    hits = []
    for rule in RULES:
        if rule.never and rule.never.search(text):
            continue
        found = _first(rule, text)
        if found and (rule.also is None or rule.also.search(text)):
            hits.append(PatternHit(rule.id, rule.level, found.group(0).strip(), found.start(), found.end()))
    return sorted(hits, key=lambda h: h.level, reverse=True)
