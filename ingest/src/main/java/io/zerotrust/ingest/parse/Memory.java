package io.zerotrust.ingest.parse;

/**
 * What a parser remembers between records of its source, for mappings that span records: the user Zeek saw in a
 * flow's Kerberos exchange, the source of a Windows logon session for its logoff. Backed by a state store in the
 * topology (kept for the dedup window) and by a map in parser tests.
 */
public interface Memory {

    String get(String key);

    void put(String key, String value);

    /** A memory in a map, which forgets everything once it holds more than {@code max} keys (tests, benchmarks). */
    static Memory inMap(int max) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        return new Memory() {
            @Override
            public String get(String key) {
                return m.get(key);
            }

            @Override
            public void put(String key, String value) {
                if (m.size() >= max) {
                    m.clear();
                }
                m.put(key, value);
            }
        };
    }

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
