"""The high-precision pattern layer: clear statements fire, look-alikes do not."""

from __future__ import annotations

import pytest

from companion.risk.levels import Level
from companion.risk.patterns import match


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I have the pills in front of me", Level.IMMINENT),
        ("i just took all my sleeping pills", Level.IMMINENT),
        ("I'm going to kill myself tonight", Level.IMMINENT),
        ("I've written my goodbye letters, tonight is it", Level.IMMINENT),
        ("i'm on the bridge right now and i want to jump", Level.IMMINENT),
        ("I want to kill myself", Level.HIGH),
        ("the urge to cut is back and I know where the blades are", Level.HIGH),
        ("I cut myself again last night", Level.HIGH),
        ("我已经吃了一整瓶安眠药", Level.IMMINENT),
        ("遗书写好了，今晚就走", Level.IMMINENT),
        ("我现在站在天台上，想跳下去", Level.IMMINENT),
        ("药已经摆在我面前了，我不想活了", Level.IMMINENT),
        ("我想自杀", Level.HIGH),
        ("我昨晚又割了手腕", Level.HIGH),
        ("我又想划自己了", Level.HIGH),
        ("i just wanna kms", Level.HIGH),
        ("I want to kill myself tonight", Level.IMMINENT),
        ("honestly i want to unalive myself", Level.HIGH),
        ("我想紫砂", Level.HIGH),
        ("我真的想zisha", Level.HIGH),
        ("不想活le 我想过怎么死", Level.HIGH),
        ("我想从教学楼跳下去", Level.HIGH),
        ("想紫砂", Level.HIGH),
        ("我真的受不了了，想从教学楼跳下去算了", Level.HIGH),
        ("不是气话 我要弄死他 刀也买好了", Level.HIGH),
        ("我把攒的钱和游戏账号都送给同学了，以后也用不上了", Level.HIGH),
        ("i'm giving away all my games, i won't need them anymore", Level.HIGH),
        ("i bought a knife and i'm going to make him pay", Level.HIGH),
        # moderate: passive ideation, past self-harm, being harmed by others (RISK_SCALE.md)
        ("sometimes i wish i wasn't here", Level.MODERATE),
        ("i just want to die", Level.MODERATE),
        ("everyone would be better off without me", Level.MODERATE),
        ("i don't want to wake up tomorrow", Level.MODERATE),
        ("honestly i don't care if i wake up tomorrow", Level.MODERATE),
        ("what's the point of living", Level.MODERATE),
        ("i used to cut myself in year 8", Level.MODERATE),
        ("i'm being bullied at school every day", Level.MODERATE),
        ("my stepdad hits me when he's drunk", Level.MODERATE),
        ("活着真没意思", Level.MODERATE),
        ("我不想活了", Level.MODERATE),
        ("要是我没出生就好了", Level.MODERATE),
        ("真想睡着了就再也不要醒来", Level.MODERATE),
        ("我初中的时候自残过", Level.MODERATE),
        ("我在学校被同学霸凌", Level.MODERATE),
        ("我爸喝醉了就打我", Level.MODERATE),
    ],
)
def test_unambiguous_statements_fire_at_their_level(text, level):
    hits = match(text)
    assert hits and hits[0].level == level, (text, hits)
    assert hits[0].text and hits[0].text in text  # evidence is the words that matched


@pytest.mark.parametrize(
    "text",
    [
        "how do I kill a python process",
        "I'm not going to kill myself, I just feel tired",
        "why do people want to kill themselves?",
        "I took my pills this morning like the doctor said",
        "I have my knife in my hand to cut the onions",
        "i wrote notes for my exam",
        "we are on the bridge taking photos of the sunset",
        "为什么有人想自杀",
        "我想死你了，快回来",
        "我坐在天台上吹风看星星",
        "我割了一块肉做饭",
        "笑死我了",
        "我不想自杀，只是很累",
        "why do people say kms as a joke",
        "我没想过怎么死，只是累",
        "他想从跳台跳下去游泳",
        "我想买个紫砂壶送给爷爷",
        "刀已经磨好了，准备切菜",
        "我把旧衣服都送给妹妹了",
        "i bought a knife for my cooking class",
        "we're giving away my old clothes to charity",
        "i want to die my hair blue",
        "i wanted to die of embarrassment lol",
        "i don't want to live in this city after uni",
        "i don't want to wake up early tomorrow",
        "i have cut my hair short",
        "i don't want to die",
        "热得想死",
        "我尴尬得想死",
        "我没有自残过",
        "他被老师批评了",
        "妈妈一直打我电话",
    ],
)
def test_look_alikes_do_not_fire(text):
    assert match(text) == []
