package io.zerotrust.schemas.flink;

import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Type information for a generated Avro class whose records Flink moves with a {@link SpecificRecordSerializer}
 * instead of its reflective {@code AvroSerializer}: give it to a stream ({@code returns(...)}, an {@code OutputTag})
 * whose records cross a shuffle.
 */
public final class SpecificRecordTypeInfo<T extends SpecificRecord> extends TypeInformation<T> {

    private static final long serialVersionUID = 1L;

    private final Class<T> type;

    public SpecificRecordTypeInfo(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return new SpecificRecordSerializer<>(type);
    }

    @Override
    public String toString() {
        return "SpecificRecord<" + type.getName() + ">";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpecificRecordTypeInfo<?> other && type.equals(other.type);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof SpecificRecordTypeInfo;
    }
}
