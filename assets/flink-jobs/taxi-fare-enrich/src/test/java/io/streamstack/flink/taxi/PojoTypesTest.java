package io.streamstack.flink.taxi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

/**
 * The stream elements kept in Flink state stay Flink POJOs with the same field names (the POJO
 * serializer reads older savepoints by field name); a class that stops being a POJO would fall back
 * to Kryo silently, and a renamed field would make older savepoints unreadable.
 */
class PojoTypesTest {
    static String[] fields(Class<?> c) {
        TypeInformation<?> t = TypeInformation.of(c);
        assertThat(t)
                .as("%s is a Flink POJO, not a Kryo generic type", c)
                .isInstanceOf(PojoTypeInfo.class);
        String[] names = ((PojoTypeInfo<?>) t).getFieldNames();
        Arrays.sort(names);
        return names;
    }

    @Test
    void rideAndResultArePojosWithTheirFieldNames() {
        assertThat(fields(TaxiRide.class))
                .containsExactly(
                        "dropoffDatetime",
                        "dropoffLatitude",
                        "dropoffLongitude",
                        "fareAmount",
                        "passengerCount",
                        "paymentType",
                        "pickupDatetime",
                        "pickupLatitude",
                        "pickupLongitude",
                        "pickupMillis",
                        "tripDistance",
                        "tripId",
                        "vendorId");
        assertThat(fields(FareResult.class))
                .containsExactly("enriched", "json", "pickupMillis", "tripId");
    }
}
