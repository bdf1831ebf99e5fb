using System;
using System.Diagnostics;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Replication;

public sealed class AdaptiveHedgeDelayTests
{
    private static long Ticks(double milliseconds) => (long)(milliseconds / 1000 * Stopwatch.Frequency);

    [Fact]
    public void Starts_at_the_floor()
    {
        var delay = new AdaptiveHedgeDelay(TimeSpan.FromMilliseconds(2), TimeSpan.FromSeconds(1));

        Assert.Equal(2, delay.Current.TotalMilliseconds, 3);
    }

    [Fact]
    public void Steady_reads_settle_near_their_time_and_never_below_the_floor()
    {
        var delay = new AdaptiveHedgeDelay(TimeSpan.FromMilliseconds(2), TimeSpan.FromSeconds(1));
        for (var i = 0; i < 200; i++)
        {
            delay.Observe(Ticks(5));
        }

        Assert.InRange(delay.Current.TotalMilliseconds, 4.9, 5.5);

        for (var i = 0; i < 200; i++)
        {
            delay.Observe(Ticks(0.3));
        }

        Assert.Equal(2, delay.Current.TotalMilliseconds, 3);
    }

    [Fact]
    public void Spread_out_reads_wait_longer_than_steady_ones_of_the_same_mean()
    {
        var steady = new AdaptiveHedgeDelay(TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        var spread = new AdaptiveHedgeDelay(TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        for (var i = 0; i < 200; i++)
        {
            steady.Observe(Ticks(4));
            spread.Observe(Ticks(i % 2 == 0 ? 2 : 6));
        }

        Assert.True(spread.Current > steady.Current + TimeSpan.FromMilliseconds(5), $"{spread.Current} vs {steady.Current}");
    }

    [Fact]
    public void Never_above_half_the_node_timeout()
    {
        var delay = new AdaptiveHedgeDelay(TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(100));
        for (var i = 0; i < 50; i++)
        {
            delay.Observe(Ticks(i % 2 == 0 ? 1 : 5_000));
        }

        Assert.Equal(50, delay.Current.TotalMilliseconds, 3);
    }
}
