"""What a message typed outside any form or conversation is asking for.

``vocabulary.py`` reads the word lists (one ``<service>.tsv`` per service in this folder,
edited by people who do not program: see ``README.md`` here) and ``classify`` reads a message
against them: 简体, 繁體 (read through OpenCC as 简体), English and a mix of them, with typos
(``rapidfuzz``). ``route.py`` acts on the result: one clear service is opened (a list, or its
form pre-filled for the person to check), two that fit are both offered as buttons, none
gets the menu and the offer to ask a volunteer. Nothing leaves the machine; no model.
"""
