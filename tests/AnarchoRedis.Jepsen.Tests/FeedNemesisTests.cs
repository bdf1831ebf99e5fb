using System;
using System.IO;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Nemesis;
using AnarchoRedis.Jepsen.Orchestration;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>
/// The orchestrator's feed workload: three redis-servers behind proxies, three worker processes of four clients each
/// pushing onto, reading and trimming three feeds capped at 20 (MaxLength), every nemesis (clock jumps included), each
/// node's feed bookkeeping sampled directly during the run, then heal, one pass, and the check: no acknowledged push lost
/// that must still be there, nothing held that was not pushed, no element tombstone, lists within their bound, replicas
/// identical.
/// </summary>
[Trait("Category", "Nemesis")]
[Collection(NemesisCollection.Name)]
public sealed class FeedNemesisTests
{
    private readonly ITestOutputHelper _output;

    public FeedNemesisTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(1)]
    public async Task Capped_feeds_under_the_nemesis_lose_no_acknowledged_push_and_keep_their_bookkeeping_bounded(int seed)
    {
        var report = await CiRun.RunAsync(
            new RunSettings
            {
                Seed = seed,
                Workload = "feed",
                Workers = 3,
                Keys = 3,
                Duration = TimeSpan.FromSeconds(20),
                Faults = FaultKind.All,
            },
            "feed",
            _output,
            TimeSpan.FromMinutes(3));

        var check = report.Check;
        Assert.NotEmpty(report.Faults);
        Assert.True(check.FeedPushesAcknowledged > 1000, report.Summary());
        Assert.True(check.FeedTrims > 10, report.Summary());
        Assert.True(check.FeedSamples > 100, report.Summary());
        Assert.Equal(0, check.FeedLost.Count);
        Assert.Equal(0, check.FeedUnexpected.Count);
        Assert.Equal(0, check.FeedStaleReads.Count);
        // Bounded bookkeeping: no element tombstone ever, at most N + the crossing pushes in a sample, at most N at the
        // end, a meta hash of constant size.
        Assert.Equal(0, check.FeedBookkeeping.Count);
        Assert.Equal(0, check.FeedMaxTombstonesSampled + check.FeedMaxTombstonesFinal);
        Assert.True(check.FeedMaxLengthFinal <= check.FeedCap, report.Summary());
        Assert.Equal(check.FeedMetaFieldsMin, check.FeedMetaFieldsMax);
        Assert.True(check.ReplicasIdentical, report.Summary());
        Assert.True(report.Valid, report.Summary());
    }
}
