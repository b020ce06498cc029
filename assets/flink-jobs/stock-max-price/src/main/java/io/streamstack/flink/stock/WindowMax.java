package io.streamstack.flink.stock;

import java.util.Objects;

/** The maximum price of one ticker over one window. A Flink POJO. */
public class WindowMax {
    private String ticker;
    private double maxPrice;
    private long windowStart;
    private long windowEnd;

    public WindowMax() {}

    public WindowMax(String ticker, double maxPrice, long windowStart, long windowEnd) {
        this.ticker = ticker;
        this.maxPrice = maxPrice;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
    }

    public String getTicker() {
        return ticker;
    }

    public void setTicker(String ticker) {
        this.ticker = ticker;
    }

    public double getMaxPrice() {
        return maxPrice;
    }

    public void setMaxPrice(double maxPrice) {
        this.maxPrice = maxPrice;
    }

    public long getWindowStart() {
        return windowStart;
    }

    public void setWindowStart(long windowStart) {
        this.windowStart = windowStart;
    }

    public long getWindowEnd() {
        return windowEnd;
    }

    public void setWindowEnd(long windowEnd) {
        this.windowEnd = windowEnd;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WindowMax)) {
            return false;
        }
        WindowMax w = (WindowMax) o;
        return Double.compare(maxPrice, w.maxPrice) == 0
                && windowStart == w.windowStart
                && windowEnd == w.windowEnd
                && Objects.equals(ticker, w.ticker);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ticker, maxPrice, windowStart, windowEnd);
    }

    @Override
    public String toString() {
        return ticker + "[" + windowStart + "," + windowEnd + ")=" + maxPrice;
    }
}
