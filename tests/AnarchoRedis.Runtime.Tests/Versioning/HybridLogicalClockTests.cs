using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Versioning;

public sealed class HybridLogicalClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);

    private static ulong Ms(DateTimeOffset time) => (ulong)time.ToUnixTimeMilliseconds();

    /// <summary>A wall clock that can be set anywhere, backwards included (FakeTimeProvider refuses to go back).</summary>
    private sealed class SettableTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Next_uses_wall_clock_milliseconds_shifted_by_16_when_time_advances()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock(time, writerId: 7);

        var first = clock.Next();
        time.Advance(TimeSpan.FromMilliseconds(5));
        var second = clock.Next();

        Assert.Equal(Ms(Start) << 16, first.Clock);
        Assert.Equal((Ms(Start) + 5) << 16, second.Clock);
        Assert.Equal(0, second.Counter);
        Assert.Equal(Start.AddMilliseconds(5), second.Timestamp);
        Assert.Equal(7UL, second.WriterId);
        Assert.Equal(7UL, clock.WriterId);
        Assert.Equal(second.Clock, clock.Last);
    }

    [Fact]
    public void Next_is_strictly_increasing_while_time_stands_still()
    {
        var clock = new HybridLogicalClock(new FakeTimeProvider(Start), writerId: 1);

        var versions = Enumerable.Range(0, 1000).Select(_ => clock.Next()).ToArray();

        for (var i = 1; i < versions.Length; i++)
        {
            Assert.True(versions[i] > versions[i - 1], $"version {i} is not above version {i - 1}");
        }

        // Same millisecond, counter 0..999.
        Assert.All(versions, v => Assert.Equal(Start, v.Timestamp));
        Assert.Equal((ushort)999, versions[^1].Counter);
    }

    [Fact]
    public void Next_is_strictly_increasing_when_time_goes_backwards()
    {
        var time = new SettableTimeProvider(Start);
        var clock = new HybridLogicalClock(time, writerId: 1);

        var before = clock.Next();
        time.Now = Start.AddMinutes(-10);
        var after = clock.Next();
        var again = clock.Next();

        Assert.True(after > before);
        Assert.Equal(before.Clock + 1, after.Clock);
        Assert.Equal(after.Clock + 1, again.Clock);
    }

    [Fact]
    public void Counter_carries_into_the_milliseconds_rather_than_wrapping()
    {
        var clock = new HybridLogicalClock(new FakeTimeProvider(Start), writerId: 1);
        ReplicatedVersion last = default;
        for (var i = 0; i <= ushort.MaxValue + 1; i++)
        {
            var next = clock.Next();
            Assert.True(next > last);
            last = next;
        }

        Assert.Equal(Start.AddMilliseconds(1), last.Timestamp);
    }

    [Fact]
    public void Observe_of_a_future_version_makes_the_next_version_greater_than_it()
    {
        var clock = new HybridLogicalClock(new FakeTimeProvider(Start), writerId: 1);
        // Another writer, ahead by a minute and with a higher writer id.
        var seen = new ReplicatedVersion((Ms(Start) + 60_000) << 16 | 3, ulong.MaxValue);

        clock.Observe(seen);
        var next = clock.Next();

        Assert.True(next > seen);
        Assert.Equal(seen.Clock + 1, next.Clock);
    }

    [Fact]
    public void Property_after_observing_any_version_next_is_greater_than_it()
    {
        // Clocks up to year ~6400 (top bit clear); see the skipped test below for the top bit.
        var seen = Gen.Select(Gen.ULong[0, (1UL << 63) - 2], Gen.ULong).Select((c, w) => new ReplicatedVersion(c, w));
        var start = Gen.Long[0, 1L << 46];
        Gen.Select(seen, start).Sample(
            (version, startMs) =>
            {
                var clock = new HybridLogicalClock(new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(startMs)), writerId: 5);
                clock.Next();
                clock.Observe(version);
                return clock.Next() > version;
            },
            iter: 2_000);
    }

    [Fact]
    public void A_version_beyond_the_skew_bound_is_not_adopted_so_one_bad_version_cannot_poison_the_clock()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock(time, writerId: 1, maxAhead: TimeSpan.FromMinutes(5));

        // An all-ff meta, or a node whose clock is a year ahead: neither is adopted, and Next stays at the wall clock.
        Assert.False(clock.Observe(new ReplicatedVersion(ulong.MaxValue, ulong.MaxValue)));
        Assert.False(clock.Observe(new ReplicatedVersion((Ms(Start) + 365L * 24 * 3_600_000) << 16, 0)));
        Assert.Equal(Ms(Start) << 16, clock.Next().Clock);

        // Within the bound, a version ahead is adopted as always: a client that read it writes above it.
        var ahead = new ReplicatedVersion((Ms(Start) + 60_000) << 16, 0);
        Assert.True(clock.Observe(ahead));
        Assert.True(clock.Next() > ahead);
    }

    [Fact]
    public void The_skew_bound_follows_the_wall_clock()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock(time, writerId: 1, maxAhead: TimeSpan.FromMinutes(5));
        var later = new ReplicatedVersion((Ms(Start) + 600_000) << 16, 0);

        Assert.False(clock.Observe(later));
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.True(clock.Observe(later));
        Assert.True(clock.Next() > later);
    }

    [Fact]
    public void Observe_of_an_older_version_changes_nothing()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock(time, writerId: 1);
        var made = clock.Next();
        var lastBefore = clock.Last;

        clock.Observe(new ReplicatedVersion(made.Clock - 1000, ulong.MaxValue));
        clock.Observe(new ReplicatedVersion(made.Clock, ulong.MaxValue)); // same clock: Next is above it anyway
        clock.Observe(ReplicatedVersion.Zero);

        Assert.Equal(lastBefore, clock.Last);
        Assert.Equal(made.Clock + 1, clock.Next().Clock);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal((Ms(Start) + 1) << 16, clock.Next().Clock);
    }

    [Fact]
    public async Task Concurrent_Next_from_many_threads_yields_unique_increasing_versions_per_thread()
    {
        var clock = new HybridLogicalClock(new FakeTimeProvider(Start), writerId: 1);
        const int threads = 8;
        const int perThread = 20_000;
        var all = new ConcurrentBag<ReplicatedVersion>();
        using var barrier = new Barrier(threads);

        var tasks = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                var mine = new ReplicatedVersion[perThread];
                barrier.SignalAndWait();
                for (var i = 0; i < perThread; i++)
                {
                    mine[i] = clock.Next();
                }

                for (var i = 1; i < perThread; i++)
                {
                    Assert.True(mine[i] > mine[i - 1]);
                }

                foreach (var v in mine)
                {
                    all.Add(v);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(tasks);

        Assert.Equal(threads * perThread, all.Count);
        Assert.Equal(threads * perThread, all.Distinct().Count());
        Assert.Equal(all.Max().Clock, clock.Last);
    }

    [Fact]
    public void AheadOfWallClock_measures_how_far_a_version_is_in_the_future()
    {
        var time = new FakeTimeProvider(Start);
        var clock = new HybridLogicalClock(time, writerId: 1);

        Assert.Equal(TimeSpan.FromMinutes(7), clock.AheadOfWallClock(new ReplicatedVersion(HybridLogicalClock.ToClock(Start.AddMinutes(7)) | 0xFFFF, 0)));
        Assert.Equal(TimeSpan.Zero, clock.AheadOfWallClock(new ReplicatedVersion(HybridLogicalClock.ToClock(Start) | 5, 0)));
        Assert.Equal(TimeSpan.FromSeconds(-3), clock.AheadOfWallClock(new ReplicatedVersion(HybridLogicalClock.ToClock(Start.AddSeconds(-3)), 0)));

        time.Advance(TimeSpan.FromMinutes(7));
        Assert.Equal(TimeSpan.Zero, clock.AheadOfWallClock(new ReplicatedVersion(HybridLogicalClock.ToClock(Start.AddMinutes(7)), 0)));
    }

    [Fact]
    public void WallClock_and_ToClock_put_milliseconds_above_a_zero_counter()
    {
        var clock = new HybridLogicalClock(new FakeTimeProvider(Start), writerId: 1);

        Assert.Equal(Ms(Start) << 16, HybridLogicalClock.ToClock(Start));
        Assert.Equal(Ms(Start) << 16, clock.WallClock);
    }

    [Fact]
    public void Random_writer_ids_differ_between_clocks()
    {
        var time = new FakeTimeProvider(Start);
        var ids = Enumerable.Range(0, 64).Select(_ => new HybridLogicalClock(time).WriterId).ToHashSet();

        Assert.Equal(64, ids.Count);
    }

    [Fact]
    public void Constructor_rejects_a_null_time_provider()
    {
        Assert.Throws<ArgumentNullException>(() => new HybridLogicalClock(null!));
    }
}
