//! One-time tokens, for links that are their own credential (an invitation, a password reset):
//! 256 random bits from the thread's CSPRNG, base64url. The database keeps only a UUID v5 of
//! the token, so a copy of the database opens no link.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use uuid::Uuid;

/// A new token and the id its row is stored under.
#[derive(Debug, Clone)]
pub(crate) struct OneTimeToken {
    /// What the link carries.
    pub(crate) text: String,
    /// [`OneTimeToken::id_of`] the text.
    pub(crate) id: Uuid,
}

impl OneTimeToken {
    /// A fresh token for rows keyed under `namespace`.
    pub(crate) fn new(namespace: &Uuid) -> OneTimeToken {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let text = URL_SAFE_NO_PAD.encode(bytes);
        OneTimeToken {
            id: Self::id_of(namespace, &text),
            text,
        }
    }

    /// The id a token's row has: any text maps to some id, which matches no row unless the
    /// text is a token that was handed out.
    pub(crate) fn id_of(namespace: &Uuid, text: &str) -> Uuid {
        Uuid::new_v5(namespace, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::OneTimeToken;

    #[test]
    fn tokens_are_long_random_and_keyed_by_namespace() {
        let a = uuid::Uuid::from_u128(1);
        let b = uuid::Uuid::from_u128(2);
        let token = OneTimeToken::new(&a);
        assert_eq!(token.text.len(), 43);
        assert_ne!(token.text, OneTimeToken::new(&a).text);
        assert_eq!(token.id, OneTimeToken::id_of(&a, &token.text));
        assert_ne!(token.id, OneTimeToken::id_of(&b, &token.text));
    }
}
