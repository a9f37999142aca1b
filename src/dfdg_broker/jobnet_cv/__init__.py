"""The Jobnet CV feature: a draft from DA1 with findings, the submit to Jobnet within the CV window (G2-G4)."""
