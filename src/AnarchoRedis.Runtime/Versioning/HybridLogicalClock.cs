using System;
using System.Security.Cryptography;
using System.Threading;

namespace AnarchoRedis;

/// <summary>
/// Makes versions: a hybrid logical clock (48 bits of Unix milliseconds, 16 bits of counter) and a writer id.
/// Each new clock value is <c>max(now, last + 1)</c>, and every version the client sees advances <c>last</c>, so a
/// client that has read version v always writes above v, even with a slow wall clock. A version more than the skew bound
/// ahead of the wall clock is not adopted (a node with a broken clock, or a hand-edited meta, would otherwise drag every
/// later version of this client into the future, and one at the top of the range would make <see cref="Next"/> fail
/// forever). Thread-safe, lock-free.
/// </summary>
public sealed class HybridLogicalClock
{
    private readonly TimeProvider _timeProvider;
    private readonly ulong _maxAheadClock;
    private ulong _last;

    /// <summary>Creates a clock.</summary>
    /// <param name="timeProvider">The wall clock.</param>
    /// <param name="writerId">The writer id, or <see langword="null"/> for a random one.</param>
    /// <param name="maxAhead">
    /// How far ahead of the wall clock a seen version may be and still be adopted (<see cref="AnarchoRedisOptions.MaxClockSkew"/>);
    /// <see langword="null"/> for no bound.
    /// </param>
    public HybridLogicalClock(TimeProvider timeProvider, ulong? writerId = null, TimeSpan? maxAhead = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (maxAhead is { } bound && bound < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAhead), bound, "The skew bound cannot be negative.");
        }

        _timeProvider = timeProvider;
        WriterId = writerId ?? RandomWriterId();
        _maxAheadClock = maxAhead is { } ahead ? (ulong)Math.Min((long)ahead.TotalMilliseconds, long.MaxValue >> 16) << 16 : ulong.MaxValue;
    }

    /// <summary>The writer id of every version this clock makes.</summary>
    public ulong WriterId { get; }

    /// <summary>The newest clock value made or seen.</summary>
    public ulong Last => Volatile.Read(ref _last);

    /// <summary>The current wall clock as a clock value (counter zero).</summary>
    public ulong WallClock => ToClock(_timeProvider.GetUtcNow());

    /// <summary>Makes a new version, above every version made or seen so far.</summary>
    /// <returns>The version.</returns>
    public ReplicatedVersion Next()
    {
        var now = WallClock;
        while (true)
        {
            var last = Volatile.Read(ref _last);
            if (last == ulong.MaxValue)
            {
                // Only a version planted at the very top of the range gets here; wrapping would go backwards.
                throw new InvalidOperationException("The clock has reached the largest possible version, after seeing a version at the top of the range. No newer version can be made.");
            }

            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return new ReplicatedVersion(next, WriterId);
            }
        }
    }

    /// <summary>Advances the clock past a version seen in a reply, unless it is beyond the skew bound.</summary>
    /// <param name="version">The version seen.</param>
    /// <returns><see langword="false"/> when the version is more than the skew bound ahead of the wall clock and was not adopted.</returns>
    public bool Observe(ReplicatedVersion version)
    {
        var seen = version.Clock;
        var wall = WallClock;
        if (seen > wall && seen - wall > _maxAheadClock)
        {
            return false;
        }

        while (true)
        {
            var last = Volatile.Read(ref _last);
            if (seen <= last || Interlocked.CompareExchange(ref _last, seen, last) == last)
            {
                return true;
            }
        }
    }

    /// <summary>How far the version's clock is ahead of the local wall clock (zero or negative when it is not).</summary>
    /// <param name="version">The version.</param>
    /// <returns>The skew.</returns>
    public TimeSpan AheadOfWallClock(ReplicatedVersion version) =>
        TimeSpan.FromMilliseconds((long)(version.Clock >> 16) - (long)(WallClock >> 16));

    /// <summary>Converts a wall-clock time to a clock value with counter zero.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The clock value.</returns>
    public static ulong ToClock(DateTimeOffset time) => (ulong)time.ToUnixTimeMilliseconds() << 16;

    private static ulong RandomWriterId()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}
