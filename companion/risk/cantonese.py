"""A reading of written Cantonese in standard (Mandarin) Chinese.

Young people in Hong Kong write as they speak: 我唔想再活落去 (我不想再活下去), 我諗過自殺
(我想过自杀), 食咗成樽藥 (吃了一整瓶药). The model learned Chinese from Mandarin text and
reads Cantonese grammar words (唔, 喺, 咗, 佢, 冇) as noise, so the scorer also reads such a
message with those words put in Mandarin. Like every extra reading it can only raise a level.

Only words that are Cantonese and not Mandarin are replaced, longest first. A word that is
also Mandarin in another sense is replaced only where Cantonese grammar shows (係 in 我係, not
in 關係; 食 in 食咗, not in 食堂). A message with none of Cantonese's own characters is left
alone, so Mandarin is never changed.
"""

from __future__ import annotations

import re

# characters written in Cantonese and (almost) never in Mandarin
_MARKERS = re.compile("[唔喺咗嘅啲佢哋冇嘢咩睇攰瞓𠝹諗谂搵嗰嚟㗎噉嘞喎囉揾攞畀]")

_WORDS = {
    # negation and existence
    "唔好意思": "不好意思",
    "唔該": "谢谢",
    "唔该": "谢谢",
    "唔知": "不知道",
    "唔使": "不用",
    "唔好": "不要",
    "唔": "不",
    "冇得": "没法",
    "冇": "没有",
    # grammar words
    "喺": "在",
    "咗": "了",
    "嘅": "的",
    "㗎": "的",
    "嘞": "了",
    "喇": "了",
    "噉": "这样",
    "佢哋": "他们",
    "我哋": "我们",
    "你哋": "你们",
    "佢": "他",
    "啲": "些",
    "嗰": "那",
    "好似": "好像",
    "成日": "整天",
    "成樽": "一整瓶",
    "成盒": "一整盒",
    "成排": "一整板",
    "樽": "瓶",
    "呢個": "这个",
    "呢个": "这个",
    "呢度": "这里",
    "呢啲": "这些",
    "乜嘢": "什么",
    "咩嘢": "什么",
    "咩": "什么",
    "嘢": "东西",
    "點解": "为什么",
    "点解": "为什么",
    "點樣": "怎样",
    "点样": "怎样",
    "邊個": "谁",
    "边个": "谁",
    "邊度": "哪里",
    "边度": "哪里",
    "而家": "现在",
    "宜家": "现在",
    "琴日": "昨天",
    "尋日": "昨天",
    "寻日": "昨天",
    "聽晚": "明晚",
    "听晚": "明晚",
    "聽日": "明天",
    "听日": "明天",
    "落去": "下去",
    "嚟": "来",
    # verbs and words of feeling
    "諗": "想",
    "谂": "想",
    "搵": "找",
    "揾": "找",
    "攞": "拿",
    "睇": "看",
    "瞓": "睡",
    "攰": "累",
    "𠝹": "割",
    "畀": "给",
    "鍾意": "喜欢",
    "钟意": "喜欢",
    "返屋企": "回家",
    "寫低": "写下",
    "写低": "写下",
    "講嘢": "说话",
    "讲嘢": "说话",
    "傾計": "聊天",
    "倾计": "聊天",
    "屋企": "家",
    "傾偈": "聊天",
    "倾偈": "聊天",
}
# words that are Mandarin too, replaced only beside Cantonese grammar
_CONTEXTUAL = (
    (re.compile(r"[係系]咪"), "是不是"),
    (re.compile(r"(?<![關关聯联])係(?![數数])"), "是"),  # 我係, 唔係; not 關係
    (re.compile(r"(?<![关联])系(?=唔|咁|啊|呀|嘅|的)"), "是"),  # simplified Cantonese 系唔系
    (re.compile(r"食(?=咗|晒|埋|完|左|了|光|[^，。！？,.!?]{0,4}[藥药])"), "吃"),  # 食咗, 食晒啲藥; not 食堂
    (re.compile(r"(?<=[吃𠝹割用送賣卖畀俾])晒"), "光"),  # 食晒 (ate them all); not 晒太陽
    (re.compile(r"仲(?![裁夏介秋春冬])"), "还"),  # 仲想, 仲係; not 仲裁
    (re.compile(r"(?<=[佢我你他她哋人])(?:話|话)"), "说"),  # 佢話 (he said); not 電話
    (re.compile(r"俾(?=[我你佢他她人])"), "给"),
)
_WORD = re.compile("|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)))


def mandarin(text: str) -> str | None:
    """text with its Cantonese words put in Mandarin, or None when it has no Cantonese."""
    if not _MARKERS.search(text):
        return None
    for pattern, replacement in _CONTEXTUAL:
        text = pattern.sub(replacement, text)
    return _WORD.sub(lambda m: _WORDS[m.group(0)], text)
