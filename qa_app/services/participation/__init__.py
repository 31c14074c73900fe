"""Practitioners and families taking part in the audit of their own case (issue 25).

`practitioners`: the practitioner's invitation, their view of the shared lead part, their
reflection, agreement with each graded judgement, the learning both sides sign off, and how
useful they found the audit.
`families`: the family's consent, single-use feedback invitations (link, short code, letter),
the public feedback form and the QA lead's review of what families wrote.
"""
