using System.Linq;
using AnarchoRedis.Jepsen.Checking;
using AnarchoRedis.Jepsen.History;
using Xunit;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>
/// The checker's rules for removes, trims, list deletes and times to live, on synthetic histories: each anomaly it must
/// report, and the concurrent cases it must let pass (only what is definitely wrong is flagged).
/// </summary>
public sealed class ListAndExpiryCheckerTests
{
    private const string List = "jepsen:list:1";
    private const string Reg = "jepsen:reg:0";

    [Fact]
    public void An_element_removed_by_an_acknowledged_remove_is_not_lost_but_must_not_come_back()
    {
        var h = new HistoryBuilder();
        h.Append(List, "p0c0#1");
        h.Append(List, "p0c0#2");
        h.Remove(List, "p0c0#1", 1);
        var nodes = h.ConsistentNodes();
        Assert.True(Checker.Check(h.Operations, nodes, strictReads: true).Valid);

        nodes[2].Lists[List].Add("p0c0#1");
        h.ReadList(List, "p0c0#1", "p0c0#2");
        var result = Checker.Check(h.Operations, nodes, strictReads: true);

        Assert.False(result.Valid);
        Assert.Equal(2, result.ResurrectedElements.Count);   // on n2, and in the read invoked after the remove
        Assert.Contains(result.ResurrectedElements.Examples, a => a.Node == "n2");
        Assert.Equal(0, result.LostAppends.Count);
    }

    [Fact]
    public void An_indeterminate_remove_lets_the_element_be_there_or_not_and_an_ok_remove_of_nothing_removes_nothing()
    {
        var h = new HistoryBuilder();
        h.Append(List, "p0c0#1");
        h.Append(List, "p0c0#2");
        h.Remove(List, "p0c0#1", 0, OpType.Info);
        var nodes = h.ConsistentNodes();
        nodes[0].Lists[List].Remove("p0c0#1");
        Assert.True(Checker.Check(h.Operations, nodes, strictReads: true).Valid);

        // A remove that found nothing, although the append was acknowledged before it began: it missed the element.
        h.Remove(List, "p0c0#2", 0);
        var result = Checker.Check(h.Operations, nodes, strictReads: true);
        Assert.Equal(1, result.StaleReads.Count);
        Assert.Contains("found no p0c0#2", result.StaleReads.Examples[0].Detail);

        // And the element it did not remove must still be on every node.
        nodes[1].Lists[List].Remove("p0c0#2");
        Assert.Equal(1, Checker.Check(h.Operations, nodes).LostAppends.Count);
    }

    [Fact]
    public void A_list_delete_removes_elements_at_or_below_its_version_and_a_re_created_list_keeps_later_pushes()
    {
        var h = new HistoryBuilder();
        h.Append(List, "p0c0#1");
        h.Append(List, "p0c0#2");
        h.DeleteList(List);
        h.Append(List, "p0c0#3");   // re-creates the list
        h.ReadList(List, "p0c0#3");
        var nodes = h.ConsistentNodes();
        Assert.Equal(["p0c0#3"], nodes[0].Lists[List]);
        Assert.True(Checker.Check(h.Operations, nodes, strictReads: true).Valid);

        nodes[0].Lists[List].Insert(0, "p0c0#2");     // deleted, back
        nodes[1].Lists[List].Clear();                 // the re-created list's push, lost
        h.ReadList(List, "p0c0#1", "p0c0#3");         // a read after the delete returns a deleted element
        var result = Checker.Check(h.Operations, nodes, strictReads: true);

        Assert.Equal(2, result.ResurrectedElements.Count);
        var lost = Assert.Single(result.LostAppends.Examples);
        Assert.Equal("n1", lost.Node);
        Assert.Contains("p0c0#3", lost.Detail);
    }

    [Fact]
    public void An_indeterminate_list_delete_or_a_trim_excuses_only_elements_it_may_have_seen()
    {
        var h = new HistoryBuilder();
        h.Append(List, "p0c0#1");
        h.Trim(List);
        h.Append(List, "p0c0#2");
        h.DeleteList(List, OpType.Info);
        h.Append(List, "p0c0#3");
        var nodes = h.ConsistentNodes();
        foreach (var node in nodes)
        {
            node.Lists[List].Clear();
        }

        var result = Checker.Check(h.Operations, nodes);

        // #1: the trim may have removed it; #2: the delete with no known version may cover it; #3 was pushed after the
        // delete was invoked but its version may still be below the delete's (unknown): excused too.
        Assert.Equal(0, result.LostAppends.Count);

        var strictTrim = new HistoryBuilder();
        strictTrim.Trim(List);
        strictTrim.Append(List, "p0c0#1");   // appended after the trim completed: the trim never saw it
        var trimmed = strictTrim.ConsistentNodes();
        trimmed[2].Lists[List].Clear();
        Assert.Equal(1, Checker.Check(strictTrim.Operations, trimmed).LostAppends.Count);
    }

    [Fact]
    public void A_value_with_a_time_to_live_must_carry_the_expiry_its_writer_computed_and_one_without_must_carry_none()
    {
        var h = new HistoryBuilder();
        h.Write(Reg, "p0c0#1", ttlMs: 60_000);
        var nodes = h.ConsistentNodes();
        Assert.True(Checker.Check(h.Operations, nodes).Valid);

        var ttlWrite = h.Operations[0];
        nodes[0].Registers[Reg] = nodes[0].Registers[Reg] with { DataExpiry = -1 };               // outlives its expiry
        nodes[1].Registers[Reg] = nodes[1].Registers[Reg] with { DataExpiry = ttlWrite.ExpiryMax + 5000 };
        Assert.Equal(2, Checker.Check(h.Operations, nodes).ExpiryMismatches.Count);

        // A write without a time to live after it: the value must not keep the old expiry (it would vanish).
        h.Write(Reg, "p0c0#2");
        var later = h.ConsistentNodes();
        later[2].Registers[Reg] = later[2].Registers[Reg] with { DataExpiry = ttlWrite.ExpiryMin };
        var result = Checker.Check(h.Operations, later);
        var mismatch = Assert.Single(result.ExpiryMismatches.Examples);
        Assert.Equal("n2", mismatch.Node);
        Assert.Contains("set no time to live", mismatch.Detail);
    }

    [Fact]
    public void A_value_gone_under_a_due_expiry_is_expired_but_one_gone_without_a_time_to_live_vanished()
    {
        var h = new HistoryBuilder();
        var ttl = h.Write(Reg, "p0c0#1", ttlMs: 100);
        h.Advance(200);
        var nodes = h.ConsistentNodes();
        foreach (var node in nodes)
        {
            node.Registers[Reg] = new RegisterState(ttl.Version!.Value, false, null);
        }

        Assert.True(Checker.Check(h.Operations, nodes).Valid);

        // Read before its expiry was due: vanished.
        var early = nodes.Select(n => new NodeSnapshot { Name = n.Name, Registers = n.Registers, ReadAtMs = ttl.ExpiryMin!.Value - 50 }).ToList();
        Assert.Equal(3, Checker.Check(h.Operations, early).VanishedValues.Count);

        var plain = new HistoryBuilder();
        var write = plain.Write(Reg, "p0c0#1");
        var gone = plain.ConsistentNodes();
        gone[1].Registers[Reg] = new RegisterState(write.Version!.Value, false, null);
        var result = Checker.Check(plain.Operations, gone);
        Assert.False(result.Valid);
        Assert.Equal("n1", Assert.Single(result.VanishedValues.Examples).Node);
    }

    [Fact]
    public void A_read_after_a_values_expiry_must_not_return_it_and_may_return_nothing()
    {
        var h = new HistoryBuilder();
        var ttl = h.Write(Reg, "p0c0#1", ttlMs: 100);
        h.Read(Reg, "p0c0#1", ttl.Version);      // before its expiry: fine
        h.Advance(200);
        h.Read(Reg, null, null);                 // after: absent is right, not stale
        var nodes = h.ConsistentNodes();
        foreach (var node in nodes)
        {
            node.Registers[Reg] = new RegisterState(ttl.Version!.Value, false, null);
        }

        Assert.True(Checker.Check(h.Operations, nodes, strictReads: true).Valid, "absent after the expiry");

        h.Read(Reg, "p0c0#1", ttl.Version);      // after: the value outlived its expiry
        var result = Checker.Check(h.Operations, nodes, strictReads: true);
        Assert.Equal(1, result.ExpiredReads.Count);
        Assert.False(result.Valid);
    }

    [Fact]
    public void A_list_that_expired_with_its_newest_push_loses_its_elements_but_not_its_expiry_rule()
    {
        var h = new HistoryBuilder();
        h.Append(List, "p0c0#1");
        h.Append(List, "p0c0#2", ttlMs: 100);
        h.Advance(200);
        var nodes = h.ConsistentNodes();
        foreach (var node in nodes)
        {
            node.Lists.Remove(List);
            node.ListExpiry.Remove(List);
        }

        Assert.True(Checker.Check(h.Operations, nodes).Valid);

        // A later push without a time to live re-creates the list and clears the expiry: its element must stay, and the
        // list must carry no expiry.
        h.Append(List, "p0c0#3");
        var renewed = h.ConsistentNodes();
        foreach (var node in renewed)
        {
            node.Lists[List] = ["p0c0#3"];
        }

        Assert.True(Checker.Check(h.Operations, renewed).Valid);
        renewed[0].ListExpiry[List] = h.Operations[1].ExpiryMin!.Value;
        renewed[1].Lists[List].Clear();
        var result = Checker.Check(h.Operations, renewed);
        Assert.Equal("n0", Assert.Single(result.ExpiryMismatches.Examples).Node);
        Assert.Equal("n1", Assert.Single(result.LostAppends.Examples).Node);
    }

    [Fact]
    public void A_write_acknowledged_below_a_version_beyond_max_clock_skew_is_invisible_but_within_it_is_superseded()
    {
        var h = new HistoryBuilder();
        var skew = System.TimeSpan.FromSeconds(2);
        // A list delete from a clock 5 s ahead, acknowledged; then a push from a clock on time: below the delete's
        // watermark by more than MaxClockSkew, it can never be seen, so it must not be acknowledged.
        var ahead = new ReplicatedVersion((ulong)(h.NextVersion().Timestamp.ToUnixTimeMilliseconds() + 5000) << 16, 9);
        h.Append(List, "p0c0#1");
        var delete = h.DeleteList(List) with { Version = ahead };
        var push = h.Append(List, "p0c0#2");
        var ops = h.Operations.Select(o => o.Id == delete.Id ? delete : o).ToList();
        var nodes = h.ConsistentNodes();
        foreach (var node in nodes)
        {
            node.Lists[List].Clear();
        }

        var result = Checker.Check(ops, nodes, maxClockSkew: skew);
        var invisible = Assert.Single(result.InvisibleWrites.Examples);
        Assert.Contains(push.Input!, invisible.Detail);
        Assert.Equal(0, result.LostAppends.Count);   // the delete's version covers it: not "lost", invisible
        Assert.False(result.Valid);

        // Within MaxClockSkew, clock order decides: superseded, not an anomaly.
        Assert.Equal(0, Checker.Check(ops, nodes, maxClockSkew: System.TimeSpan.FromSeconds(10)).InvisibleWrites.Count);
    }
}
