using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Replication;

public sealed class HedgeSchedulerTests
{
    [Fact]
    public void A_sweep_hedges_the_due_undecided_reads_drops_decided_ones_and_stops_at_the_first_not_due()
    {
        var scheduler = new HedgeScheduler(TimeSpan.FromHours(1));
        var decided = new Read(deadline: 5) { IsDecided = true };
        var due = new Read(deadline: 10);
        var dueButDecidedLater = new Read(deadline: 12);
        var notDue = new Read(deadline: 30);
        var decidedBehindNotDue = new Read(deadline: 31) { IsDecided = true };
        foreach (var read in new[] { decided, due, dueButDecidedLater, notDue, decidedBehindNotDue })
        {
            scheduler.Schedule(read);
        }

        dueButDecidedLater.IsDecided = true;
        Assert.Equal(1, scheduler.Sweep(nowTicks: 20));

        Assert.Equal((0, 1, 0, 0), (decided.Hedges, due.Hedges, dueButDecidedLater.Hedges, notDue.Hedges));
        Assert.Equal(2, scheduler.Pending);

        Assert.Equal(1, scheduler.Sweep(nowTicks: 40));
        Assert.Equal(1, notDue.Hedges);
        Assert.Equal(0, decidedBehindNotDue.Hedges);
        Assert.Equal(0, scheduler.Pending);
    }

    [Fact]
    public async Task Its_timer_hedges_a_read_left_undecided_and_rearms_after_going_idle()
    {
        var scheduler = new HedgeScheduler(TimeSpan.FromMilliseconds(1));
        for (var round = 0; round < 2; round++)
        {
            var read = new Read(Stopwatch.GetTimestamp());
            scheduler.Schedule(read);

            // Hang guard only: the tick is 1 ms.
            var watch = Stopwatch.StartNew();
            while (Volatile.Read(ref read.HedgesField) == 0)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the read was never hedged");
                await Task.Delay(5);
            }

            // Idle again: the timer disarms itself once the queue is empty; the next round must re-arm it.
            await Task.Delay(20);
            Assert.Equal(0, scheduler.Pending);
        }
    }

    private sealed class Read(long deadline) : IHedgeable
    {
        public int HedgesField;

        public long DeadlineTicks => deadline;

        public bool IsDecided { get; set; }

        public int Hedges => Volatile.Read(ref HedgesField);

        public void Hedge()
        {
            Interlocked.Increment(ref HedgesField);
            IsDecided = true;
        }
    }
}
