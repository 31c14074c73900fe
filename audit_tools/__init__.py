"""Casefile QA's domain library: measures, sampling, questionnaires, findings and workbooks.

Plain data in, plain data out. It imports neither Flask nor the app (a test enforces this), so
the same definitions serve the web app, the command line and anyone's notebook.
"""
