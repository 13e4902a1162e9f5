"""The Django web application: accounts and roles, fielding waves, invitations, the
questionnaire and the response monitor (a thin layer over ``pioneer.fielding``)."""
