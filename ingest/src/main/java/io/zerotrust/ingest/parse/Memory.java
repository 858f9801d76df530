package io.zerotrust.ingest.parse;

/**
 * What a parser remembers between records of its source, for mappings that span records: the user Zeek saw in a
 * flow's Kerberos exchange, the source of a Windows logon session for its logoff. Backed by a state store in the
 * topology (kept for the dedup window) and by a map in parser tests.
 */
public interface Memory {

    String get(String key);

    void put(String key, String value);

    /** A memory that forgets everything (for parsing a record alone). */
    Memory NONE = new Memory() {
        @Override
        public String get(String key) {
            return null;
        }

        @Override
        public void put(String key, String value) {
        }
    };
}
