//! Mail to users (a password reset link): through an SMTP relay when `TASKFLOW_SMTP_URL` is
//! set, else written to the log, where an operator without a mail server finds it.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use taskflow_app::mail::{Mail, Mailer};
//!
//! let config = taskflow_app::Config::from_vars(|_| None)?;
//! let mailer = Mailer::new(&config)?;
//! assert!(!mailer.sends());
//! // Without a relay the mail goes to the log (target `taskflow::mail`).
//! let mail = Mail { to: "ada@acme.example".into(), subject: "Hi".into(), body: "Hello".into() };
//! mailer.send(mail).await?;
//! # Ok(())
//! # }
//! ```

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// One plain-text mail.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The address it goes to.
    pub to: String,
    /// Its subject.
    pub subject: String,
    /// Its text.
    pub body: String,
}

/// Why a mail could not go.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `TASKFLOW_SMTP_URL` or `TASKFLOW_MAIL_FROM` cannot be used.
    #[error("mail settings: {0}")]
    Config(String),
    /// The address or the message could not be built.
    #[error("mail: {0}")]
    Message(String),
    /// The relay refused it or did not answer.
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// The relay `url` names: `smtp://[user:password@]host[:port]` (port 25 when left out), in
/// plain SMTP. lettre reads such URLs only with a TLS feature; this build has none, so the
/// URL is taken apart here with `http`'s URI parser.
fn relay(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let bad = |why: &str| MailError::Config(format!("TASKFLOW_SMTP_URL: {why}"));
    let uri: axum::http::Uri = url.parse().map_err(|_| bad("not a URL"))?;
    if uri.scheme_str() != Some("smtp") {
        return Err(bad(
            "only smtp:// (plain SMTP to a trusted relay) is supported",
        ));
    }
    let authority = uri.authority().ok_or_else(|| bad("no host"))?;
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(authority.host())
        .port(authority.port_u16().unwrap_or(25));
    if let Some((userinfo, _)) = authority.as_str().rsplit_once('@') {
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        transport = transport.credentials(Credentials::new(user.to_owned(), password.to_owned()));
    }
    Ok(transport.build())
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// To the log, at `INFO` with the target `taskflow::mail`.
    Log,
    /// To an SMTP relay.
    Smtp {
        /// The relay, from `TASKFLOW_SMTP_URL` (`smtp://[user:password@]host[:port]`).
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// `TASKFLOW_MAIL_FROM`.
        from: Mailbox,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Log => f.write_str("Mailer::Log"),
            Mailer::Smtp { from, .. } => write!(f, "Mailer::Smtp(from {from})"),
        }
    }
}

impl Mailer {
    /// The mailer `config` asks for.
    pub fn new(config: &crate::Config) -> Result<Mailer, MailError> {
        let Some(url) = &config.smtp_url else {
            return Ok(Mailer::Log);
        };
        let transport = relay(url)?;
        let from = config
            .mail_from
            .parse()
            .map_err(|e| MailError::Config(format!("TASKFLOW_MAIL_FROM: {e}")))?;
        Ok(Mailer::Smtp { transport, from })
    }

    /// Whether mail really leaves (an SMTP relay is set).
    pub fn sends(&self) -> bool {
        matches!(self, Mailer::Smtp { .. })
    }

    /// Sends `mail`, or logs it.
    pub async fn send(&self, mail: Mail) -> Result<(), MailError> {
        match self {
            Mailer::Log => {
                tracing::info!(
                    target: "taskflow::mail",
                    to = %mail.to,
                    subject = %mail.subject,
                    body = %mail.body,
                    "mail not sent (TASKFLOW_SMTP_URL is unset)"
                );
                Ok(())
            }
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = mail
                    .to
                    .parse()
                    .map_err(|e| MailError::Message(format!("{}: {e}", mail.to)))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(mail.subject)
                    .body(mail.body)
                    .map_err(|e| MailError::Message(e.to_string()))?;
                transport.send(message).await?;
                Ok(())
            }
        }
    }
}
