"""Fielding the key-informant survey: questionnaire pages, answer checks, tokens, reminders
and response monitoring, as pure functions the web app calls (see ``docs/fielding.md``)."""
