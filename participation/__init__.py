"""Participation: kiosk devices, residents' and staff inputs, imports, moderation, exports."""
