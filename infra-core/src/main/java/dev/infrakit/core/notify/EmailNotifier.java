package dev.infrakit.core.notify;

import dev.infrakit.core.Arguments;
import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * Sends notifications as plain-text e-mail over SMTP with Jakarta Mail, which is an optional
 * dependency: add {@code jakarta.mail:jakarta.mail-api} and an implementation such as
 * {@code org.eclipse.angus:angus-mail} to use this class. The subject is
 * {@code [SEVERITY] title}; the body is {@link Notification#toText()}.
 *
 * <p>Supports STARTTLS (required or not) and implicit TLS, SMTP authentication, and connection and
 * read timeouts. The password never appears in messages or {@code toString()}. Thread-safe.
 */
public final class EmailNotifier implements Notifier {
    private final Session session;
    private final InternetAddress from;
    private final InternetAddress[] to;
    private final String host;
    private final int port;

    private EmailNotifier(Builder b) {
        boolean implicitTls = b.implicitTls != null && b.implicitTls;
        StartTls startTls = b.startTls != null ? b.startTls : StartTls.OPTIONAL;
        Duration timeout = b.timeout != null ? b.timeout : Duration.ofSeconds(10);
        Properties props = new Properties();
        String protocol = implicitTls ? "smtps" : "smtp";
        props.setProperty("mail.transport.protocol", protocol);
        props.setProperty("mail." + protocol + ".host", b.host);
        props.setProperty("mail." + protocol + ".port", Integer.toString(b.port));
        props.setProperty("mail." + protocol + ".connectiontimeout", Long.toString(timeout.toMillis()));
        props.setProperty("mail." + protocol + ".timeout", Long.toString(timeout.toMillis()));
        props.setProperty("mail." + protocol + ".writetimeout", Long.toString(timeout.toMillis()));
        props.setProperty("mail." + protocol + ".starttls.enable", Boolean.toString(startTls != StartTls.OFF));
        props.setProperty("mail." + protocol + ".starttls.required", Boolean.toString(startTls == StartTls.REQUIRED));
        Authenticator authenticator = null;
        if (b.username != null) {
            props.setProperty("mail." + protocol + ".auth", "true");
            String user = b.username;
            char[] password = b.password.clone();
            authenticator = new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return new PasswordAuthentication(user, new String(password));
                }
            };
        }
        this.session = Session.getInstance(props, authenticator);
        this.from = b.from;
        this.to = b.to.toArray(new InternetAddress[0]);
        this.host = b.host;
        this.port = b.port;
    }

    /** A builder sending through the SMTP server at {@code host}:{@code port}. */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    @Override
    public void send(Notification notification) {
        try {
            MimeMessage message = new MimeMessage(session);
            message.setFrom(from);
            message.setRecipients(Message.RecipientType.TO, to);
            message.setSubject("[" + notification.severity() + "] " + notification.title(), StandardCharsets.UTF_8.name());
            message.setSentDate(Date.from(notification.time()));
            message.setText(notification.toText(), StandardCharsets.UTF_8.name());
            Transport.send(message);
        } catch (MessagingException e) {
            throw new NotificationException("E-mail via " + host + ":" + port + " failed for '" + notification.title()
                    + "': " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "email(" + host + ":" + port + " -> " + to.length + " recipient(s))";
    }

    @Override
    public String toString() {
        return name();
    }

    /** How to use STARTTLS. */
    public enum StartTls {
        /** Plain SMTP (only for a local relay). */
        OFF,
        /** Upgrade when the server offers it (default). */
        OPTIONAL,
        /** Fail unless the server upgrades. */
        REQUIRED
    }

    /**
     * Builds an {@link EmailNotifier}. Recipients are added; every other setting may be given once.
     * Not thread-safe.
     */
    public static final class Builder {
        private final String host;
        private final int port;
        private InternetAddress from;
        private final List<InternetAddress> to = new ArrayList<>();
        private String username;
        private char[] password;
        private StartTls startTls;
        private Boolean implicitTls;
        private Duration timeout;

        private Builder(String host, int port) {
            if (Objects.requireNonNull(host, "host").isBlank()) {
                throw new IllegalArgumentException("SMTP host must not be blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("SMTP port must be 1-65535, got " + port);
            }
            this.host = host;
            this.port = port;
        }

        /**
         * The sender address.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder from(String address) {
            Arguments.setOnce(from, "from");
            this.from = address(address, "from");
            return this;
        }

        /** Adds a recipient. */
        public Builder to(String address) {
            this.to.add(address(address, "to"));
            return this;
        }

        /**
         * Authenticates with these credentials.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder credentials(String username, char[] password) {
            Arguments.setOnce(this.username, "credentials");
            this.username = Objects.requireNonNull(username, "username");
            this.password = Objects.requireNonNull(password, "password").clone();
            return this;
        }

        /**
         * STARTTLS use (default {@link StartTls#OPTIONAL}).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder startTls(StartTls mode) {
            Arguments.setOnce(startTls, "startTls");
            this.startTls = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Connects with TLS from the start (SMTPS, usually port 465).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder implicitTls(boolean implicitTls) {
            Arguments.setOnce(this.implicitTls, "implicitTls");
            this.implicitTls = implicitTls;
            return this;
        }

        /**
         * Connect, read and write timeout (default 10 s).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder timeout(Duration timeout) {
            Arguments.setOnce(this.timeout, "timeout");
            this.timeout = Arguments.positive(timeout, "timeout");
            return this;
        }

        private static InternetAddress address(String address, String what) {
            try {
                InternetAddress parsed = new InternetAddress(Objects.requireNonNull(address, what), true);
                parsed.validate();
                return parsed;
            } catch (AddressException e) {
                throw new IllegalArgumentException("Not a valid '" + what + "' e-mail address: '" + address + "' ("
                        + e.getMessage() + ")", e);
            }
        }

        /**
         * The notifier.
         *
         * @throws IllegalStateException without a sender or a recipient
         */
        public EmailNotifier build() {
            if (from == null) {
                throw new IllegalStateException("An e-mail notifier needs a sender: call from(address)");
            }
            if (to.isEmpty()) {
                throw new IllegalStateException("An e-mail notifier needs at least one recipient: call to(address)");
            }
            return new EmailNotifier(this);
        }
    }
}
