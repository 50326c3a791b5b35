// Package mail composes latchkey's emails and delivers them.
//
// # Messages and mailers
//
// A Message is one email to one recipient: a subject, a plain-text body and
// an HTML alternative. The sign-in flows depend only on the Mailer interface,
// which has two implementations:
//
//	Outbox  the default: writes each message as an .eml file to a directory
//	        and logs it, links included. No mail server needed.
//	SMTP    submits each message to a mail server (--smtp smtp://user:pass@host:port).
//
// Both build the message the same way (multipart/alternative, quoted-printable
// UTF-8, Q-encoded headers, through github.com/wneessen/go-mail), so an
// outbox file is byte for byte what the SMTP server would have received, apart
// from the Date and Message-ID.
//
//	Compose(to, subject, template, data) ──► Message ──► Mailer.Send(ctx, Message)
//	                                                         ├─ Outbox: temp file ─rename─► <time>-<random>.eml, slog line
//	                                                         └─ SMTP:   dial ─► STARTTLS or TLS ─► AUTH ─► MAIL/RCPT/DATA
//
// # The queue
//
// The sign-in flows do not send through SMTP or the outbox directly. Their Mailer is a Queue,
// which stores each message in the store's durable mail queue (latchkey.MailQueue) and returns:
// a request never waits for, or depends on, the mail server, and queued mail survives a
// restart. A Worker, run by the server, sends it:
//
//	Queue.Send ──► MailQueue.EnqueueMail ──(wake)──► Worker: ClaimMail (lease 10 min)
//	                                                    ├─ Mailer.Send ok ──► DeleteMail
//	                                                    ├─ fails ──► RetryMail(now + 30s, 1m, 2m … 1h)
//	                                                    └─ 12th failure ──► RetryMail(failed): kept for the operator
//
// A claim is one statement that sets the message's lease, so workers on several nodes never
// hold one message at once; a send gets half the lease, so it ends before anyone else may claim
// it. Delivery is at least once: a node that dies between the server's acceptance and the
// delete sends the message again after the lease.
//
// # Templates
//
// Each email is a pair of files in templates/: <name>.txt for text/template and
// <name>.html for html/template, embedded in the binary and parsed when the
// package loads, so a broken template stops the program at start-up. The HTML
// is plain inline-styled markup for mail clients, with no external images.
// html/template escapes workspace and person names, and turns a link that is
// not http or https into "#ZgotmplZ". The data of the templates that carry a
// one-time link is LinkData.
//
// # Security
//
// The links in these emails set passwords: whoever reads one first owns the
// account. Hence:
//
//   - SMTP never sends in the clear. smtp:// requires STARTTLS and smtps://
//     uses TLS from the first byte; the certificate is checked. A server that
//     does not offer STARTTLS gets neither the password nor the message.
//   - SMTP errors never repeat the password from the URL.
//   - The outbox directory is created 0700 and its files 0600. The outbox logs
//     the links so that an operator can use them; keep such logs private, and
//     use SMTP where other people can read the logs.
//
// # Reading the outbox
//
// ReadOutbox parses an outbox directory back into Messages, oldest first. The
// web tests use it, with Links, to follow the links in the mail they caused.
package mail
