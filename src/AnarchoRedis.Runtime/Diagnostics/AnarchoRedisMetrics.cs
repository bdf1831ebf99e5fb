using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AnarchoRedis;

/// <summary>
/// The library's instruments, on the meter <see cref="MeterName"/>. Listen with
/// <c>dotnet-counters monitor --counters AnarchoRedis</c> or OpenTelemetry's <c>AddMeter("AnarchoRedis")</c>.
/// Names follow OpenTelemetry's conventions: lowercase, dot-separated singular namespaces, snake_case words, counters
/// of things plural and never <c>_total</c>, units in UCUM (<c>s</c> for every duration, <c>{thing}</c> annotations
/// for counts); docs/observability.md lists them all.
/// </summary>
public sealed class AnarchoRedisMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "AnarchoRedis";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _operations;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _readRepairs;
    private readonly Counter<long> _readHedges;
    private readonly Counter<long> _nodeErrors;
    private readonly Counter<long> _clockSkew;
    private readonly Counter<long> _missedWrites;
    private readonly Counter<long> _listRepairs;
    private readonly Counter<long> _aePasses;
    private readonly Histogram<double> _aeDuration;
    private readonly Counter<long> _aeSlotsDivergent;
    private readonly Counter<long> _aeKeysCompared;
    private readonly Counter<long> _aeRepairs;
    private readonly Counter<long> _aePurges;
    private readonly Counter<long> _aeProblems;
    private readonly Counter<long> _circuitTransitions;
    private readonly Counter<long> _epochEvents;
    private readonly Counter<long> _nodeRetries;
    private readonly Counter<long> _popRounds;

    /// <summary>Creates the instruments, on a meter from <paramref name="meterFactory"/> when given.</summary>
    /// <param name="meterFactory">The DI meter factory, or <see langword="null"/>.</param>
    public AnarchoRedisMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _operations = _meter.CreateCounter<long>("anarchoredis.operations", "{operation}", "Replicated operations by kind and outcome.");
        _duration = _meter.CreateHistogram<double>("anarchoredis.operation.duration", "s", "Time until the quorum decided, by operation.");
        _readRepairs = _meter.CreateCounter<long>("anarchoredis.read_repairs", "{repair}", "Replica repairs made by reads, by mode and result.");
        _readHedges = _meter.CreateCounter<long>("anarchoredis.read.hedges", "{node}", "Extra nodes asked by reads sent to R nodes, by reason (delay: no quorum after HedgeDelay; replaced: a node's answer did not count).");
        _nodeErrors = _meter.CreateCounter<long>("anarchoredis.node.errors", "{error}", "Node replies that did not count, by node and kind.");
        _clockSkew = _meter.CreateCounter<long>("anarchoredis.clock.skew_events", "{version}", "Versions seen further ahead of the local clock than MaxClockSkew.");
        _listRepairs = _meter.CreateCounter<long>("anarchoredis.list_repairs", "{repair}", "Full-list repairs of one node (merged list written back), by mode and result.");
        _missedWrites = _meter.CreateCounter<long>("anarchoredis.node.missed_writes", "{write}", "Writes a node did not acknowledge after the quorum was reached.");
        _aePasses = _meter.CreateCounter<long>("anarchoredis.antientropy.passes", "{pass}", "Anti-entropy passes, by mode and result (clean, repaired, problems, failed, cancelled).");
        _aeDuration = _meter.CreateHistogram<double>("anarchoredis.antientropy.pass.duration", "s", "Duration of anti-entropy passes, by mode.");
        _aeSlotsDivergent = _meter.CreateCounter<long>("anarchoredis.antientropy.slot.divergent", "{slot}", "Slots whose digests differed between nodes.");
        _aeKeysCompared = _meter.CreateCounter<long>("anarchoredis.antientropy.key.compared", "{key}", "Keys compared across nodes by anti-entropy.");
        _aeRepairs = _meter.CreateCounter<long>("anarchoredis.antientropy.repairs", "{key}", "Keys repaired by anti-entropy, by kind (value, list).");
        _aePurges = _meter.CreateCounter<long>("anarchoredis.antientropy.purges", "{tombstone}", "Tombstones purged by anti-entropy, by kind (value_tombstone, list_tombstone, empty_list).");
        _aeProblems = _meter.CreateCounter<long>("anarchoredis.antientropy.problems", "{problem}", "Problems met by anti-entropy passes, by kind.");
        _circuitTransitions = _meter.CreateCounter<long>("anarchoredis.node.circuit_transitions", "{transition}", "Node circuits opened and closed, by node and state (open, closed).");
        _nodeRetries = _meter.CreateCounter<long>("anarchoredis.node.retries", "{retry}", "Scripts sent again to a node after a Redis Cluster shard refused them for their slot for the moment, by node and reason (TRYAGAIN, CLUSTERDOWN, MOVED, ASK).");
        _popRounds = _meter.CreateCounter<long>("anarchoredis.operation.pop_retries", "{round}", "Claim rounds of exactly-once pops that found no element with a quorum of claims (concurrent poppers split them, or another took it first), by type.");
        _epochEvents = _meter.CreateCounter<long>("anarchoredis.node.epoch_events", "{event}", "Epoch events, by node and event (created_ready, created_filling, changed, ready, marked_ready).");
    }

    /// <summary>The meter, for instruments kept next to their feature (hints).</summary>
    internal Meter Meter => _meter;

    internal void Operation(string operation, string outcome, long startTimestamp)
    {
        _operations.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));
        if (_duration.Enabled)
        {
            _duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    internal void ReadRepair(string mode, string result) =>
        _readRepairs.Add(1, new KeyValuePair<string, object?>("mode", mode), new KeyValuePair<string, object?>("result", result));

    internal void ReadHedge(string reason, int nodes) =>
        _readHedges.Add(nodes, new KeyValuePair<string, object?>("reason", reason));

    internal void PopRetried(string typeName) =>
        _popRounds.Add(1, new KeyValuePair<string, object?>("type", typeName));

    internal void ListRepair(string mode, string result) =>
        _listRepairs.Add(1, new KeyValuePair<string, object?>("mode", mode), new KeyValuePair<string, object?>("result", result));

    internal void NodeError(string node, string kind) =>
        _nodeErrors.Add(1, new KeyValuePair<string, object?>("node", node), new KeyValuePair<string, object?>("kind", kind));

    internal void NodeRetry(string node, string reason) =>
        _nodeRetries.Add(1, new KeyValuePair<string, object?>("node", node), new KeyValuePair<string, object?>("reason", reason));

    internal void ClockSkew() => _clockSkew.Add(1);

    internal void AntiEntropyPass(string mode, string result, TimeSpan duration)
    {
        var modeTag = new KeyValuePair<string, object?>("mode", mode);
        _aePasses.Add(1, modeTag, new KeyValuePair<string, object?>("result", result));
        _aeDuration.Record(duration.TotalSeconds, modeTag);
    }

    internal void AntiEntropySlotsDivergent(int count) => _aeSlotsDivergent.Add(count);

    internal void AntiEntropyKeysCompared(long count) => _aeKeysCompared.Add(count);

    internal void AntiEntropyRepair(string kind) => _aeRepairs.Add(1, new KeyValuePair<string, object?>("kind", kind));

    internal void AntiEntropyPurge(string kind, long count) => _aePurges.Add(count, new KeyValuePair<string, object?>("kind", kind));

    internal void AntiEntropyProblem(AntiEntropyProblemKind kind) => _aeProblems.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));

    internal void CircuitTransition(string node, bool opened) =>
        _circuitTransitions.Add(1, new KeyValuePair<string, object?>("node", node), new KeyValuePair<string, object?>("state", opened ? "open" : "closed"));

    internal void EpochEvent(string node, string kind) =>
        _epochEvents.Add(1, new KeyValuePair<string, object?>("node", node), new KeyValuePair<string, object?>("event", kind));

    /// <summary>Publishes the nodes' states (<see cref="NodeHealthState"/> as a number) and latency averages as gauges.</summary>
    internal void ObserveNodes(IReadOnlyList<INodeGauge> nodes)
    {
        _meter.CreateObservableGauge(
            "anarchoredis.node.state",
            () => Measure(nodes, static n => (int)n.State),
            "1",
            "Each node's state: 0 healthy, 1 circuit open, 2 unverified, 3 filling after an empty restart.");
        _meter.CreateObservableGauge(
            "anarchoredis.node.latency",
            () => Measure(nodes, static n => n.LatencyAverage.TotalSeconds),
            "s",
            "Each node's exponentially weighted average reply latency.");
    }

    private static IEnumerable<Measurement<T>> Measure<T>(IReadOnlyList<INodeGauge> nodes, Func<INodeGauge, T> value)
        where T : struct
    {
        foreach (var node in nodes)
        {
            yield return new Measurement<T>(value(node), new KeyValuePair<string, object?>("node", node.Name));
        }
    }

    internal void MissedWrite(string node) => _missedWrites.Add(1, new KeyValuePair<string, object?>("node", node));

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}

/// <summary>What the node gauges read from a node's health (Nodes/NodeHealth.cs).</summary>
internal interface INodeGauge
{
    /// <summary>The node's name (its endpoint).</summary>
    string Name { get; }

    /// <summary>The node's state.</summary>
    NodeHealthState State { get; }

    /// <summary>The exponentially weighted average reply latency.</summary>
    TimeSpan LatencyAverage { get; }
}
