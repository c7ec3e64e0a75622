package dev.infrakit.web.servlet;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** How the Jetty tests listen and start: one connector on 127.0.0.1, a free port, one context. */
final class JettyServers {
    private JettyServers() {
    }

    /** Binds {@code connector} to 127.0.0.1 on a free port and adds it to its server. */
    static ServerConnector onLoopback(ServerConnector connector) {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.getServer().addConnector(connector);
        return connector;
    }

    /** Starts {@code connector}'s server serving {@code context}; the port it listens on. */
    static int start(ServerConnector connector, ServletContextHandler context) throws Exception {
        Server server = connector.getServer();
        server.setHandler(context);
        server.start();
        return connector.getLocalPort();
    }
}
