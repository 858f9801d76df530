package io.zerotrust.ingest.parse;

import io.zerotrust.avro.ConnectionEvent;
import java.util.List;

/** Turns one raw record of a telemetry source into connection events. Implementations are stateless. */
public interface SourceParser {

    /** The source's name, as in {@code telemetry.raw.<source>}. */
    String source();

    /**
     * The connection events of one record: usually one, two for a finished connection seen at once (OPEN and
     * CLOSE), none for a record that only informs later ones (a Zeek Kerberos success). Each event's id is derived
     * from the source's own id for the record, so a record sent twice gives the same ids.
     *
     * @param raw        the record's bytes as shipped
     * @param receivedMs the record's Kafka timestamp (for formats whose time stamps lack a year or a zone)
     * @param memory     what earlier records of this source left
     * @throws BadRecord when the record does not parse or does not map; it then goes to the dead-letter topic
     */
    List<ConnectionEvent> parse(byte[] raw, long receivedMs, Memory memory) throws BadRecord;
}
