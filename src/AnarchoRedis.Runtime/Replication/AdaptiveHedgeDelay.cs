using System;
using System.Diagnostics;
using System.Threading;

namespace AnarchoRedis;

/// <summary>
/// How long a targeted read waits for its R nodes before asking the others, adapted to how long such reads take:
/// the smoothed time to a quorum plus four times its mean deviation (the rule TCP uses for its retransmission timer,
/// RFC 6298), never below <see cref="AnarchoRedisOptions.HedgeDelay"/> and never above half the node timeout. A fixed
/// delay hedges most reads once a loaded node's replies take longer than it, which adds load exactly when there is
/// least to spare; this one hedges only the reads slower than the usual spread.
/// </summary>
/// <remarks>
/// Updated without a lock: two reads finishing at once may lose one sample, which an estimate can afford.
/// </remarks>
internal sealed class AdaptiveHedgeDelay
{
    private readonly long _floorTicks;
    private readonly long _ceilingTicks;
    private long _smoothedTicks;
    private long _deviationTicks;

    public AdaptiveHedgeDelay(TimeSpan floor, TimeSpan nodeTimeout)
    {
        _floorTicks = ToStopwatchTicks(floor);
        _ceilingTicks = Math.Max(_floorTicks, ToStopwatchTicks(nodeTimeout / 2));
    }

    /// <summary>The wait before hedging the next targeted read.</summary>
    public TimeSpan Current => TimeSpan.FromSeconds((double)CurrentTicks / Stopwatch.Frequency);

    /// <summary>The wait before hedging the next targeted read, in <see cref="Stopwatch"/> ticks.</summary>
    public long CurrentTicks =>
        Math.Clamp(Volatile.Read(ref _smoothedTicks) + (4 * Volatile.Read(ref _deviationTicks)), _floorTicks, _ceilingTicks);

    /// <summary>A targeted read's time from its first send to its quorum, in <see cref="Stopwatch"/> ticks.</summary>
    public void Observe(long elapsedTicks)
    {
        var smoothed = Volatile.Read(ref _smoothedTicks);
        if (smoothed == 0)
        {
            Volatile.Write(ref _deviationTicks, elapsedTicks / 2);
            Volatile.Write(ref _smoothedTicks, Math.Max(1, elapsedTicks));
            return;
        }

        var deviation = Volatile.Read(ref _deviationTicks);
        Volatile.Write(ref _deviationTicks, deviation + ((Math.Abs(smoothed - elapsedTicks) - deviation) / 4));
        Volatile.Write(ref _smoothedTicks, Math.Max(1, smoothed + ((elapsedTicks - smoothed) / 8)));
    }

    private static long ToStopwatchTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
