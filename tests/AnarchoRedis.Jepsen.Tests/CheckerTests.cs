using AnarchoRedis.Jepsen.Checking;
using AnarchoRedis.Jepsen.History;
using Xunit;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>The checker on synthetic histories: each anomaly it must report, and a valid history it must pass.</summary>
public sealed class CheckerTests
{
    private const string List = "jepsen:list:0";
    private const string Reg = "jepsen:reg:0";

    private static HistoryBuilder ValidHistory()
    {
        var h = new HistoryBuilder();
        h.Append(List, "p0c0#1");
        h.Append(List, "p0c1#1");
        h.Append(List, "p0c0#2", OpType.Info);      // indeterminate: may or may not be there
        h.Append(List, "p0c0#3", OpType.Fail);
        h.ReadList(List, "p0c0#1", "p0c1#1");
        h.Write(Reg, "p0c0#4");
        var second = h.Write(Reg, "p0c1#2");
        h.Read(Reg, "p0c1#2", second.Version);
        h.Write(Reg, "p0c0#5", OpType.Info);
        return h;
    }

    [Fact]
    public void A_history_whose_acknowledged_operations_are_all_on_identical_nodes_is_valid()
    {
        var h = ValidHistory();
        var nodes = h.ConsistentNodes();
        // The indeterminate append took effect on every node: allowed.
        foreach (var node in nodes)
        {
            node.Lists[List].Add("p0c0#2");
        }

        var result = Checker.Check(h.Operations, nodes);

        Assert.True(result.Valid, Summary(result));
        Assert.Equal(2, result.AcknowledgedAppends);
        Assert.Equal(0, result.StaleReads.Count);
        Assert.Equal(6, result.AllOperations.Ok);
        Assert.Equal(1, result.AllOperations.Fail);
        Assert.Equal(2, result.AllOperations.Info);
    }

    [Fact]
    public void An_acknowledged_append_missing_from_a_node_is_a_lost_append()
    {
        var h = ValidHistory();
        var nodes = h.ConsistentNodes();
        nodes[2].Lists[List].Remove("p0c1#1");

        var result = Checker.Check(h.Operations, nodes);

        Assert.False(result.Valid);
        var lost = Assert.Single(result.LostAppends.Examples);
        Assert.Equal("n2", lost.Node);
        Assert.Contains("p0c1#1", lost.Detail);
    }

    [Fact]
    public void An_element_held_twice_is_a_duplicate()
    {
        var h = ValidHistory();
        var nodes = h.ConsistentNodes();
        nodes[0].Lists[List].Add("p0c0#1");

        var result = Checker.Check(h.Operations, nodes);

        Assert.False(result.Valid);
        Assert.Equal(1, result.DuplicateElements.Count);
        Assert.Equal(0, result.LostAppends.Count);
    }

    [Fact]
    public void An_element_never_appended_or_whose_append_definitely_failed_is_unexpected()
    {
        var h = ValidHistory();
        var nodes = h.ConsistentNodes();
        nodes[1].Lists[List].Add("p9c9#9");
        nodes[1].Lists[List].Add("p0c0#3");   // its append failed: it must not be there

        var result = Checker.Check(h.Operations, nodes);

        Assert.False(result.Valid);
        Assert.Equal(2, result.UnexpectedElements.Count);
    }

    [Fact]
    public void A_register_older_than_its_newest_acknowledged_write_is_a_lost_write()
    {
        var h = ValidHistory();
        var nodes = h.ConsistentNodes();
        var first = h.Operations[5];
        nodes[1].Registers[Reg] = new RegisterState(first.Version!.Value, false, first.Input);

        var result = Checker.Check(h.Operations, nodes);

        Assert.False(result.Valid);
        var lost = Assert.Single(result.LostRegisterWrites.Examples);
        Assert.Equal("n1", lost.Node);
        Assert.Contains("p0c1#2", lost.Detail);
    }

    [Fact]
    public void A_register_missing_everywhere_after_an_acknowledged_write_is_a_lost_write_on_every_node()
    {
        var h = ValidHistory();
        var nodes = h.ConsistentNodes();
        foreach (var node in nodes)
        {
            node.Registers.Remove(Reg);
        }

        var result = Checker.Check(h.Operations, nodes);

        Assert.Equal(3, result.LostRegisterWrites.Count);
    }

    [Fact]
    public void An_older_live_value_after_an_acknowledged_delete_is_a_resurrected_delete()
    {
        var h = ValidHistory();
        h.Delete(Reg);
        var nodes = h.ConsistentNodes();
        var second = h.Operations[6];
        nodes[0].Registers[Reg] = new RegisterState(second.Version!.Value, false, second.Input);

        var result = Checker.Check(h.Operations, nodes);

        Assert.False(result.Valid);
        Assert.Equal(1, result.ResurrectedDeletes.Count);
        Assert.Equal(0, result.LostRegisterWrites.Count);
    }

    [Fact]
    public void A_newer_value_from_an_indeterminate_write_is_allowed_but_one_from_a_failed_write_is_not()
    {
        var h = ValidHistory();
        var failed = h.Write(Reg, "p0c0#6", OpType.Fail);
        var nodes = h.ConsistentNodes();
        var later = new ReplicatedVersion(ulong.MaxValue >> 1, 7);
        nodes[0].Registers[Reg] = new RegisterState(later, false, "p0c0#5");   // the info write
        Assert.True(Checker.Check(h.Operations, nodes).Valid);

        nodes[0].Registers[Reg] = new RegisterState(later, false, failed.Input);
        var result = Checker.Check(h.Operations, nodes);

        Assert.False(result.Valid);
        Assert.Equal(1, result.UnexpectedRegisterValues.Count);
    }

    [Fact]
    public void Replicas_whose_dumps_differ_are_not_identical_but_per_node_keys_never_count()
    {
        var h = ValidHistory();
        var nodes = h.ConsistentNodes();
        nodes[2].Dump["anrcho_version:{" + Reg + "}"] = "hash v=other";
        nodes[1].SlotDump["anrcho_slot:{a}:digest"] = "hash m=1";

        var result = Checker.Check(h.Operations, nodes);

        Assert.False(result.Valid);
        Assert.False(result.ReplicasIdentical);
        var difference = Assert.Single(result.ReplicaDifferences.Examples);
        Assert.Equal("n2", difference.Node);
        Assert.Equal(1, result.SlotKeyDifferences.Count);
        Assert.True(NodeReader.IsPerNode("anrcho_epoch"));
        Assert.True(NodeReader.IsPerNode("anrcho_hints:127.0.0.1:6379"));
        Assert.False(NodeReader.IsPerNode("anrcho_version:{jepsen:reg:0}"));
    }

    [Fact]
    public void A_slot_digest_or_index_that_differs_alone_makes_the_run_invalid()
    {
        var h = ValidHistory();
        var nodes = h.ConsistentNodes();
        nodes[1].SlotDump["anrcho_slot:{a}:keys"] = "hash jepsen:reg:0=123:456";

        var result = Checker.Check(h.Operations, nodes);

        Assert.Equal(0, result.ReplicaDifferences.Count);
        Assert.Equal(1, result.SlotKeyDifferences.Count);
        Assert.False(result.ReplicasIdentical);
        Assert.False(result.Valid);
    }

    [Fact]
    public void A_read_that_misses_a_write_acknowledged_before_it_began_is_stale_and_counts_only_when_strict()
    {
        var h = ValidHistory();
        var first = h.Operations[5];
        h.Read(Reg, first.Input, first.Version);       // after "p0c1#2" was acknowledged
        h.ReadList(List, "p0c0#1");                     // misses p0c1#1
        var nodes = h.ConsistentNodes();

        var lenient = Checker.Check(h.Operations, nodes);
        var strict = Checker.Check(h.Operations, nodes, strictReads: true);

        Assert.Equal(2, lenient.StaleReads.Count);
        Assert.True(lenient.Valid);
        Assert.False(strict.Valid);
    }

    [Fact]
    public void A_read_of_an_absent_register_after_an_acknowledged_delete_is_not_stale()
    {
        var h = ValidHistory();
        h.Delete(Reg);
        h.Read(Reg, null, null);

        var result = Checker.Check(h.Operations, h.ConsistentNodes(), strictReads: true);

        Assert.True(result.Valid, Summary(result));
    }

    [Fact]
    public void Operations_overlapping_a_fault_window_are_counted_as_during_faults()
    {
        var h = ValidHistory();
        var faults = new[] { new FaultWindow("pause", 1, h.Operations[1].InvokeTime, h.Operations[2].CompleteTime!.Value) };
        var nodes = h.ConsistentNodes();
        nodes[0].Lists[List].Add("p0c0#2");
        nodes[1].Lists[List].Add("p0c0#2");
        nodes[2].Lists[List].Add("p0c0#2");

        var result = Checker.Check(h.Operations, nodes, faults);

        Assert.Equal(2, result.AllOperationsDuringFaults.Total);
        Assert.Equal(1, result.AllOperationsDuringFaults.Info);
        Assert.NotNull(result.Latency);
        Assert.Equal(0.5, result.Latency.P50Ms, 1);
    }

    [Fact]
    public void History_lines_round_trip_and_an_invocation_without_completion_is_indeterminate()
    {
        var path = System.IO.Path.GetTempFileName();
        try
        {
            var version = new ReplicatedVersion(123UL << 16, 9);
            using (var file = new HistoryFile(path))
            {
                file.Append(new OpEvent { Id = 1, Process = 1, Client = 2, Type = OpType.Invoke, F = OpFunction.Write, Key = Reg, Value = "p1c2#1", Time = 10 });
                file.Append(new OpEvent { Id = 1, Process = 1, Client = 2, Type = OpType.Ok, F = OpFunction.Write, Key = Reg, Version = version.ToString(), Time = 20 });
                file.Append(new OpEvent { Id = 2, Process = 1, Client = 2, Type = OpType.Invoke, F = OpFunction.Append, Key = List, Value = "p1c2#2", Side = "L", Time = 30 });
            }

            System.IO.File.AppendAllText(path, "{\"Id\":3,\"Pro");   // a line cut short by a kill

            var ops = HistoryFile.ReadOperations([path]);

            Assert.Equal(2, ops.Count);
            Assert.Equal(OpType.Ok, ops[0].Outcome);
            Assert.Equal(version, ops[0].Version);
            Assert.Equal("p1c2#1", ops[0].Input);
            Assert.Equal(10, ops[0].LatencyMicros);
            Assert.Equal(OpType.Info, ops[1].Outcome);
            Assert.Null(ops[1].CompleteTime);
            Assert.Equal("L", ops[1].Side);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    private static string Summary(CheckResult result) =>
        $"lost {result.LostAppends.Count}, dup {result.DuplicateElements.Count}, unexpected {result.UnexpectedElements.Count}, lostw {result.LostRegisterWrites.Count}, res {result.ResurrectedDeletes.Count}, val {result.UnexpectedRegisterValues.Count}, repl {result.ReplicaDifferences.Count}, reads {result.UnexpectedReads.Count}/{result.StaleReads.Count} {string.Join("; ", result.UnexpectedRegisterValues.Examples)}";
}
