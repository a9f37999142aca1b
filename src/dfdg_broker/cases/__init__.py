"""The broker's main feature: contact groups (cases) and their data areas."""
