package io.github.convnet4j.examples;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose next request's headers are not complete within a deadline. Jetty's idle
 * timeout only fires on silence, so a client sending one header byte every few seconds keeps its
 * connection for ever, and enough of them fill the connection cap (then even {@code /health} waits in
 * the accept queue). The deadline starts when the connection opens and again when a response is
 * complete (keep-alive), and stops when the handler sees the request, i.e. when its headers are parsed;
 * the body has its own deadline. Added to the connector as a {@link Connection.Listener}, which Jetty
 * gives every connection it opens.
 */
final class RequestHeaderDeadline implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(RequestHeaderDeadline.class);

    private final Scheduler scheduler;
    private final Duration timeout;
    private final Map<Connection, Scheduler.Task> armed = new ConcurrentHashMap<>();

    RequestHeaderDeadline(Scheduler scheduler, Duration timeout) {
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    @Override
    public void onOpened(Connection connection) {
        arm(connection);
    }

    @Override
    public void onClosed(Connection connection) {
        disarm(connection);
    }

    /** The request's headers are in: the connection is no longer waiting for them. */
    void headersArrived(Connection connection) {
        disarm(connection);
    }

    /** A response is complete: the connection may carry another request, whose headers get the same deadline. */
    void responseDone(Connection connection) {
        if (connection.getEndPoint().isOpen()) {
            arm(connection);
        }
    }

    /** Connections waiting for their headers now (tests watch it). */
    int waiting() {
        return armed.size();
    }

    private void arm(Connection connection) {
        AtomicReference<Scheduler.Task> self = new AtomicReference<>();
        Scheduler.Task task = scheduler.schedule(() -> expire(connection, self.get()), timeout);
        self.set(task);
        Scheduler.Task previous = armed.put(connection, task);
        if (previous != null) {
            previous.cancel();
        }
    }

    private void disarm(Connection connection) {
        Scheduler.Task task = armed.remove(connection);
        if (task != null) {
            task.cancel();
        }
    }

    private void expire(Connection connection, Scheduler.Task task) {
        // Only this task's own arming counts: the headers may have arrived (and a later deadline been armed) meanwhile.
        if (task != null && armed.remove(connection, task)) {
            LOG.debug("closing {}: its request headers did not arrive within {} ms", connection, timeout.toMillis());
            connection.getEndPoint().close();
        }
    }
}
