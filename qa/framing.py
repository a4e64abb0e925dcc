"""Words that frame a question ("what does the author argue ...") rather than name what it asks for."""

from __future__ import annotations

from qa.text import stem

# A question's words for the text it asks about ("this article", "the op-ed"): how scoring tells a
# question about the text itself and the checks a question about what came after it.
THE_TEXT = r"(?:this|the)\s+(?:article|piece|op-?ed|essay|column|post)"

# Words that frame a question rather than name what it asks for (among them the reporting verbs
# of attribution questions: "raise", "stress", "claim"); absent from a text, they say nothing
# about whether the text answers.
FRAMING = frozenset(
    stem(w)
    for w in """get go goes come stand stands call called calls mean means meaning describe described role point
    person people thing things kind type way part happen happened take make use write wrote written cite
    cites credit credits credited refer refers name named known view views argue argues claim claims believe feel look example
    reason main idea opinion piece writer commenter reader respond response reply question ask asks
    raise raises state states suggest suggests note notes stress stresses emphasize emphasise highlight
    highlights observe remark explain explains propose insist assert complain warn warns admit deny
    recall recalls quote quotes mention mentions stance position attitude thoughts perspective author
    accuse accuses blame blames criticize criticise criticizes criticises praise praises remember
    remembers acknowledge acknowledges concede concedes conclude concludes contend contends maintain
    maintains recommend recommends urge urges advise advises predict predicts perceive perceives
    regard regards consider considers receive received receives hold held holds
    word words phrase phrases adjective adjectives expression wording label""".split()
)
# Words that ask for someone's view: then the speaker of a passage stands for the name asked about
# ("What does PIERE think ...?" is answered by PIERE's comment, which need not repeat "PIERE").
OPINION = frozenset(
    stem(w)
    for w in """say says said think thinks thought argue argues argued believe believes view views opinion
    according claim claims write writes wrote feel feels stance position suggest suggests see sees consider
    considers blame blames accuse accuses mention mentions comment comments respond responds reply replies
    criticize criticise criticizes warn warns predict predicts want wants insist insists agree agrees disagree
    attitude perspective take make point argument case""".split()
)
