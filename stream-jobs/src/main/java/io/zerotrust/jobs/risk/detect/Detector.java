package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import java.io.Serializable;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * One behavioural rule over the events of one kind of entity. A detector is a plain object: its rule lives in pure
 * methods, and its per-entity memory is an Avro record {@code S} that the caller keeps (in Flink keyed state, in a
 * test, in a map), so the same code runs in the job, in harness tests and in unit tests.
 *
 * @param <S> the per-entity state: an Avro record, so that savepoints survive changes to it by schema evolution
 */
public interface Detector<S extends SpecificRecord> extends Serializable {

    /** The detector's name as anomalies and decisions carry it, e.g. {@code brute_force}. */
    String name();

    /** The kind of entity this detector watches. */
    EntityType entityType();

    /** The entity of {@code event} this detector watches ({@code user:alice}, {@code ip:10.0.0.7}), or null if none. */
    String entityOf(ConnectionEvent event);

    Class<S> stateClass();

    /** Fresh state for an entity seen for the first time. */
    S newState();

    /**
     * Takes one event of the entity into its state and says whether it is anomalous. Events arrive in about
     * event-time order per entity (bounded out-of-orderness); a detector must tolerate small reorderings.
     */
    Optional<Finding> observe(S state, ConnectionEvent event);
}
