package io.streamstack.flink.stock;

import java.util.Objects;

/**
 * One stock-ticker record: {@code {"EVENT_TIME": ISO-8601, "TICKER": "AMZN", "PRICE": 12.34}}. A
 * Flink POJO.
 */
public class Stock {
    private String ticker;
    private double price;
    private long eventTimeMillis;

    public Stock() {}

    public Stock(String ticker, double price, long eventTimeMillis) {
        this.ticker = ticker;
        this.price = price;
        this.eventTimeMillis = eventTimeMillis;
    }

    public String getTicker() {
        return ticker;
    }

    public void setTicker(String ticker) {
        this.ticker = ticker;
    }

    public double getPrice() {
        return price;
    }

    public void setPrice(double price) {
        this.price = price;
    }

    public long getEventTimeMillis() {
        return eventTimeMillis;
    }

    public void setEventTimeMillis(long eventTimeMillis) {
        this.eventTimeMillis = eventTimeMillis;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Stock)) {
            return false;
        }
        Stock s = (Stock) o;
        return Double.compare(price, s.price) == 0
                && eventTimeMillis == s.eventTimeMillis
                && Objects.equals(ticker, s.ticker);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ticker, price, eventTimeMillis);
    }

    @Override
    public String toString() {
        return "Stock{" + ticker + " " + price + " @" + eventTimeMillis + "}";
    }
}
