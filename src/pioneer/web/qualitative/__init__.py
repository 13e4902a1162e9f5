"""Qualitative evidence on the web: transcripts, the coding frame, coding and matrices."""
