"""The pack's own runtime, shared by the receiver and the reporter: what is not an outside system.

`redact` removes secrets and personal data from everything the pack sends out.
"""
