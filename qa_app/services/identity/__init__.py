"""Sign-in beyond the password: OpenID Connect providers and the accounts they reach
(providers, sign_on), and local accounts' second factor (second_factor)."""
