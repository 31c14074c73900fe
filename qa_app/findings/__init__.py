"""What a programme found: the findings page, and closing a programme once findings are agreed."""
