"""Services own writes: each validates, changes rows, records the audit-trail event and
commits or rolls back in one place (qa_app.db.write_transaction)."""
