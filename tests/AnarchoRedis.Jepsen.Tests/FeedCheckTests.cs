using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Jepsen.Checking;
using AnarchoRedis.Jepsen.History;
using AnarchoRedis.Jepsen.Models;
using Xunit;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>
/// The feed workload's rules (FeedCheck) on hand-made histories: a capped feed (MaxLength 20) must end holding the
/// newest 20 of the pushes that may have applied, which indeterminate pushes and keep-newest trims loosen exactly as
/// far as they can explain; its bookkeeping (element tombstones, length, meta) must stay bounded.
/// </summary>
public sealed class FeedCheckTests
{
    private const string Feed = "jepsen:feed:0";
    private const int N = FeedItem.Cap;

    /// <summary>Pushes <paramref name="count"/> acknowledged elements <c>e1</c>… onto the feed; returns their names, oldest first.</summary>
    private static List<string> Push(HistoryBuilder h, int count, string prefix = "e")
    {
        var names = Enumerable.Range(1, count).Select(i => $"{prefix}{i}").ToList();
        foreach (var name in names)
        {
            h.FeedPush(Feed, name);
        }

        return names;
    }

    private static CheckResult Check(HistoryBuilder h, List<NodeSnapshot> nodes, IReadOnlyList<FeedObservation>? samples = null) =>
        Checker.Check(h.Operations, nodes, strictReads: true, feedSamples: samples, feedLengthSlack: 4);

    [Fact]
    public void A_feed_holding_the_newest_N_of_its_acknowledged_pushes_is_valid()
    {
        var h = new HistoryBuilder();
        var pushed = Push(h, 30);

        var result = Check(h, h.FeedNodes(Feed, [.. pushed.TakeLast(N)]));

        Assert.True(result.Valid);
        Assert.Equal(30, result.FeedPushesAcknowledged);
        Assert.Equal(N, result.FeedElementsHeld);
        Assert.Equal(N, result.FeedMaxLengthFinal);
        Assert.Equal(0, result.FeedLost.Count + result.FeedUnexpected.Count + result.FeedBookkeeping.Count);
    }

    [Fact]
    public void A_missing_acknowledged_push_while_an_older_element_is_held_is_lost()
    {
        var h = new HistoryBuilder();
        var pushed = Push(h, 30);
        // e25 is gone from node 1 although e11..e24 are there: no floor drops e25 and keeps e11.
        var nodes = h.FeedNodes(Feed, [.. pushed.TakeLast(N)]);
        nodes[1].Feeds[Feed].RemoveAll(e => e.Value == "e25");

        var result = Check(h, nodes);

        Assert.False(result.Valid);
        var lost = Assert.Single(result.FeedLost.Examples);
        Assert.Equal("n1", lost.Node);
        Assert.StartsWith("e25 ", lost.Detail);
        Assert.Contains("holds the older e11", lost.Detail);
    }

    [Fact]
    public void Acknowledged_pushes_among_the_newest_N_missing_below_every_held_element_are_lost()
    {
        var h = new HistoryBuilder();
        var pushed = Push(h, 30);

        // The floor went too high: only the newest 15 are left, with nothing newer and no trim to explain it.
        var result = Check(h, h.FeedNodes(Feed, [.. pushed.TakeLast(15)]));

        Assert.False(result.Valid);
        Assert.Equal(5 * 3, result.FeedLost.Count);
        Assert.Contains(result.FeedLost.Examples, a => a.Detail.StartsWith("e15 ", System.StringComparison.Ordinal) && a.Detail.Contains("fewer than 20"));
        // e10 has 20 newer pushes: the cap dropped it.
        Assert.DoesNotContain(result.FeedLost.Examples, a => a.Detail.StartsWith("e10 ", System.StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_push_does_not_count_as_newer()
    {
        var h = new HistoryBuilder();
        var pushed = Push(h, 20);
        h.FeedPush(Feed, "failed", OpType.Fail);

        var result = Check(h, h.FeedNodes(Feed, [.. pushed.Skip(1)]));

        Assert.Equal(3, result.FeedLost.Count);
        Assert.StartsWith("e1 ", result.FeedLost.Examples[0].Detail);
    }

    [Fact]
    public void Indeterminate_pushes_that_may_be_newer_explain_as_many_missing_elements_as_there_are_of_them()
    {
        var h = new HistoryBuilder();
        var pushed = Push(h, 20);
        // Two pushes that may have applied with ids above all of e1..e20 (a node took them, capped, then lost them: an
        // indeterminate push may be lost, and its floor stays).
        h.FeedPush(Feed, "maybe1", OpType.Info);
        h.FeedPush(Feed, "maybe2", OpType.Info);

        var twoMissing = Check(h, h.FeedNodes(Feed, [.. pushed.Skip(2)]));
        var threeMissing = Check(h, h.FeedNodes(Feed, [.. pushed.Skip(3)]));

        Assert.True(twoMissing.Valid);
        Assert.Equal(2, twoMissing.FeedPushesIndeterminate);
        Assert.False(threeMissing.Valid);
        Assert.Equal(3, threeMissing.FeedLost.Count);
        Assert.StartsWith("e3 ", threeMissing.FeedLost.Examples[0].Detail);
        Assert.Contains("maybe1 (Info)", threeMissing.FeedLost.Examples[0].Detail);
    }

    [Fact]
    public void An_indeterminate_push_whose_id_is_known_from_a_node_counts_at_that_id_and_one_that_completed_long_before_cannot_be_newer()
    {
        var h = new HistoryBuilder();
        // Completed 2 s before e1 was pushed: its id (its client's clock at the push) is below every e's.
        h.FeedPush(Feed, "early", OpType.Info);
        h.Advance(2000);
        var pushed = Push(h, 20);
        h.FeedPush(Feed, "held", OpType.Info);

        // "held" is on the nodes (so its id is known, and it is one of the newest 20): e1 legitimately went.
        var valid = Check(h, h.FeedNodes(Feed, [.. pushed.Skip(1), "held"]));
        // Without "held" anywhere its id is unknown, and it may still be above e1; "early" cannot be: e1 and e2 missing is one too many.
        var invalid = Check(h, h.FeedNodes(Feed, [.. pushed.Skip(2)]));

        Assert.True(valid.Valid);
        Assert.Equal(0, valid.FeedUnexpected.Count);
        Assert.False(invalid.Valid);
        Assert.Equal(3, invalid.FeedLost.Count);
        Assert.StartsWith("e2 ", invalid.FeedLost.Examples[0].Detail);
    }

    [Fact]
    public void A_keep_newest_trim_explains_what_it_can_have_covered_and_no_more()
    {
        var h = new HistoryBuilder();
        var pushed = Push(h, 30);
        h.FeedTrim(Feed, 12);

        // The trim read the 30 and kept 12: e19..e30.
        var trimmed = Check(h, h.FeedNodes(Feed, [.. pushed.TakeLast(12)]));
        var tooFew = Check(h, h.FeedNodes(Feed, [.. pushed.TakeLast(11)]));

        Assert.True(trimmed.Valid);
        Assert.Equal(1, trimmed.FeedTrims);
        Assert.False(tooFew.Valid);
        Assert.Equal(3, tooFew.FeedLost.Count);
        Assert.StartsWith("e19 ", tooFew.FeedLost.Examples[0].Detail);
    }

    [Fact]
    public void A_trim_that_completed_before_a_push_began_cannot_have_read_it()
    {
        var h = new HistoryBuilder();
        var first = Push(h, 10, "a");
        h.FeedTrim(Feed, 5);
        var later = Push(h, 10, "b");

        // The trim covered a1..a5 at most; b1..b10 and a6..a10 are the newest 15 and must all be there.
        var kept = Check(h, h.FeedNodes(Feed, [.. first.Skip(5), .. later]));
        // Trimmed to 5 counting the later pushes: a trim that completed before them cannot have done that.
        var overTrimmed = Check(h, h.FeedNodes(Feed, [.. later.TakeLast(5)]));

        Assert.True(kept.Valid);
        Assert.False(overTrimmed.Valid);
        Assert.Equal(10 * 3, overTrimmed.FeedLost.Count);

        // An indeterminate trim that ended after every push may have read them all.
        h.FeedTrim(Feed, 5, OpType.Info);
        Assert.True(Check(h, h.FeedNodes(Feed, [.. later.TakeLast(5)])).Valid);
    }

    [Fact]
    public void Elements_never_pushed_whose_push_failed_held_twice_or_under_another_id_are_unexpected()
    {
        var h = new HistoryBuilder();
        var pushed = Push(h, 5);
        h.FeedPush(Feed, "failed", OpType.Fail);
        h.FeedPush("jepsen:feed:1", "elsewhere");
        var nodes = h.FeedNodes(Feed, [.. pushed, "failed"]);
        nodes[0].Feeds[Feed].Add(new FeedElement("e3", h.FeedIdOf("e3")));
        nodes[1].Feeds[Feed][0] = new FeedElement("e1", new ReplicatedVersion(99, 99));
        nodes[2].Feeds[Feed].Add(new FeedElement("elsewhere", h.FeedIdOf("elsewhere")));
        nodes[2].Feeds["jepsen:feed:1"] = [new FeedElement("elsewhere", h.FeedIdOf("elsewhere"))];
        nodes[0].Feeds["jepsen:feed:1"] = [new FeedElement("elsewhere", h.FeedIdOf("elsewhere"))];
        nodes[1].Feeds["jepsen:feed:1"] = [new FeedElement("elsewhere", h.FeedIdOf("elsewhere"))];

        var result = Check(h, nodes);

        Assert.False(result.Valid);
        Assert.Equal(3 + 3, result.FeedUnexpected.Count);
        Assert.Contains(result.FeedUnexpected.Examples, a => a.Detail.Contains("definitely failed"));
        Assert.Contains(result.FeedUnexpected.Examples, a => a.Node == "n0" && a.Detail.Contains("more than once"));
        Assert.Contains(result.FeedUnexpected.Examples, a => a.Node == "n1" && a.Detail.Contains("acknowledged at"));
        Assert.Contains(result.FeedUnexpected.Examples, a => a.Node == "n2" && a.Detail.Contains("never pushed onto this feed"));
        // Node 1 holds e1 under the wrong id, so it lacks e1's acknowledged id: that is not counted as lost (its value is there).
        Assert.Equal(0, result.FeedLost.Count);
    }

    [Fact]
    public void A_read_missing_a_newer_acknowledged_push_while_returning_an_older_one_is_stale_and_one_returning_an_unknown_element_is_unexpected()
    {
        var h = new HistoryBuilder();
        var pushed = Push(h, 25);
        h.FeedRead(Feed, [.. pushed.TakeLast(N)]);
        h.FeedRead(Feed, [.. pushed.Skip(5).Where(e => e != "e24")]);
        h.FeedRead(Feed, "e25", "ghost");

        var result = Check(h, h.FeedNodes(Feed, [.. pushed.TakeLast(N)]));

        Assert.False(result.Valid);
        var stale = Assert.Single(result.FeedStaleReads.Examples);
        Assert.Contains("returned e6", stale.Detail);
        Assert.Contains("e24", stale.Detail);
        var unexpected = Assert.Single(result.FeedUnexpected.Examples);
        Assert.Contains("ghost", unexpected.Detail);
        Assert.Equal(3, result.FeedReads);
        Assert.Equal(N, result.FeedMaxReadLength);
    }

    [Fact]
    public void Bookkeeping_beyond_its_bounds_is_reported_whether_sampled_or_at_the_end()
    {
        var h = new HistoryBuilder();
        var pushed = Push(h, 25);
        var nodes = h.FeedNodes(Feed, [.. pushed.TakeLast(N)]);
        var samples = new List<FeedObservation>
        {
            new("n0", Feed, 1, N + 4, 0, 13),   // within the slack (4 here): fine
            new("n1", Feed, 2, N + 5, 0, 13),   // beyond it
            new("n2", Feed, 3, N, 2, 13),       // element tombstones
            new("n2", Feed, 4, N, 0, 14),       // the meta grew
            new("n0", Feed, 5, 0, 0, 0),        // a wiped node: nothing to judge
        };
        nodes[0].FeedTombstones[Feed] = 1;
        nodes[1].Feeds[Feed].Insert(0, new FeedElement("e5", h.FeedIdOf("e5")));

        var result = Check(h, nodes, samples);

        Assert.False(result.Valid);
        Assert.Equal(5, result.FeedBookkeeping.Count);
        Assert.Equal(N + 5, result.FeedMaxLengthSampled);
        Assert.Equal(2, result.FeedMaxTombstonesSampled);
        Assert.Equal(1, result.FeedMaxTombstonesFinal);
        Assert.Equal(N + 1, result.FeedMaxLengthFinal);
        Assert.Equal((13, 14), (result.FeedMetaFieldsMin, result.FeedMetaFieldsMax));
        Assert.Contains(result.FeedBookkeeping.Examples, a => a.Detail.Contains("more than MaxLength 20 + 4"));
        Assert.Contains(result.FeedBookkeeping.Examples, a => a.Detail.Contains("at the end: 21 elements"));
        Assert.Contains(result.FeedBookkeeping.Examples, a => a.Detail.Contains("between 13 and 14 fields"));
        Assert.Equal(0, result.FeedLost.Count);
    }
}
