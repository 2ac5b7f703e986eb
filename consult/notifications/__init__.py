"""Mail notifications: subscriptions with double opt-in, and the mails `flask tick` sends."""
