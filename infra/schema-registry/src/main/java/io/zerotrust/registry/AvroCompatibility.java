package io.zerotrust.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Checks a candidate Avro schema against earlier versions and explains every incompatibility in terms a schema
 * author can act on: the record, the field (by dotted name, not JSON pointer) and what breaks for whom.
 */
public final class AvroCompatibility {

    private AvroCompatibility() {
    }

    /**
     * Returns one message per incompatibility between {@code candidate} and {@code previous} under {@code level};
     * empty when compatible. {@code previousVersion} only labels the messages.
     */
    public static List<String> check(Schema candidate, Schema previous, int previousVersion, CompatibilityLevel level) {
        List<String> messages = new ArrayList<>();
        if (level.backward) {
            // BACKWARD: a consumer on the candidate reads data written with the previous version.
            explain(candidate, previous, "BACKWARD", previousVersion, messages);
        }
        if (level.forward) {
            // FORWARD: a consumer still on the previous version reads data written with the candidate.
            explain(previous, candidate, "FORWARD", previousVersion, messages);
        }
        return messages;
    }

    private static void explain(Schema reader, Schema writer, String direction, int version, List<String> out) {
        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        boolean readerIsCandidate = direction.equals("BACKWARD");
        for (Incompatibility inc : result.getResult().getIncompatibilities()) {
            String field = fieldPath(reader, inc.getLocation());
            String what;
            switch (inc.getType()) {
                case READER_FIELD_MISSING_DEFAULT_VALUE:
                    String name = field.isEmpty() ? inc.getMessage() : field;
                    what = readerIsCandidate
                            ? "field '" + name + "' was added without a default, so data written with version "
                                    + version + " cannot be read; give it a default"
                            : "field '" + name + "' was removed or renamed but has no default in version " + version
                                    + ", so consumers still on version " + version
                                    + " cannot read new data; keep the field or release a version that gives it a"
                                    + " default first";
                    break;
                case TYPE_MISMATCH:
                    what = "field '" + field + "' changed type: " + inc.getMessage();
                    break;
                case MISSING_ENUM_SYMBOLS:
                    what = "enum at '" + field + "' lost symbols " + inc.getMessage()
                            + " that " + (readerIsCandidate ? "old data" : "new data") + " may contain; give the enum"
                            + " a default symbol or keep the symbols";
                    break;
                case MISSING_UNION_BRANCH:
                    what = "union at '" + field + "' lost a branch: " + inc.getMessage();
                    break;
                case NAME_MISMATCH:
                    what = "named type at '" + field + "' was renamed: " + inc.getMessage() + "; add an alias";
                    break;
                default:
                    what = inc.getType() + " at '" + field + "': " + inc.getMessage();
            }
            out.add(reader.getFullName() + ": not " + direction + " compatible with version " + version + ": "
                    + what + " [" + inc.getType() + " at " + inc.getLocation() + "]");
        }
    }

    /** Turns a JSON pointer such as {@code /fields/3/type/fields/0} into a dotted field name such as {@code src.ip}. */
    static String fieldPath(Schema root, String pointer) {
        if (pointer == null || pointer.isEmpty() || pointer.equals("/")) {
            return "";
        }
        String[] tokens = pointer.substring(1).split("/");
        List<String> names = new ArrayList<>();
        Schema current = root;
        for (int i = 0; i < tokens.length && current != null; i++) {
            String token = tokens[i];
            try {
                switch (token) {
                    case "fields":
                        Schema.Field f = current.getFields().get(Integer.parseInt(tokens[++i]));
                        names.add(f.name());
                        current = f.schema();
                        break;
                    case "type":
                        break;
                    case "items":
                        current = current.getElementType();
                        break;
                    case "values":
                        current = current.getValueType();
                        break;
                    case "symbols":
                    case "name":
                    case "size":
                        i = tokens.length;
                        break;
                    default:
                        if (current.getType() == Schema.Type.UNION) {
                            current = current.getTypes().get(Integer.parseInt(token));
                        } else {
                            i = tokens.length;
                        }
                }
            } catch (RuntimeException e) {
                break; // an unexpected pointer shape: the names found so far are still useful
            }
        }
        return String.join(".", names);
    }
}
