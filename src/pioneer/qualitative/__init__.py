"""Qualitative evidence: the interview register, transcripts, the coding frame, coded
segments, agreement, matrices by site, site documents and REFI-QDA exchange (see
``docs/qualitative/``)."""
