using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AnarchoRedis;

/// <summary>
/// The library's instruments, on the meter <see cref="MeterName"/>. Listen with
/// <c>dotnet-counters monitor --counters AnarchoRedis</c> or OpenTelemetry's <c>AddMeter("AnarchoRedis")</c>.
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
    private readonly Counter<long> _nodeErrors;
    private readonly Counter<long> _clockSkew;
    private readonly Counter<long> _missedWrites;
    private readonly Counter<long> _listRepairs;

    /// <summary>Creates the instruments, on a meter from <paramref name="meterFactory"/> when given.</summary>
    /// <param name="meterFactory">The DI meter factory, or <see langword="null"/>.</param>
    public AnarchoRedisMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _operations = _meter.CreateCounter<long>("anarchoredis.operations", "{operation}", "Replicated operations by kind and outcome.");
        _duration = _meter.CreateHistogram<double>("anarchoredis.operation.duration", "s", "Time until the quorum decided, by operation.");
        _readRepairs = _meter.CreateCounter<long>("anarchoredis.read_repairs", "{repair}", "Replica repairs made by reads, by mode and result.");
        _nodeErrors = _meter.CreateCounter<long>("anarchoredis.node.errors", "{error}", "Node replies that did not count, by node and kind.");
        _clockSkew = _meter.CreateCounter<long>("anarchoredis.clock.skew_events", "{version}", "Versions seen further ahead of the local clock than MaxClockSkew.");
        _listRepairs = _meter.CreateCounter<long>("anarchoredis.list_repairs", "{repair}", "Full-list repairs of one node (merged list written back), by mode and result.");
        _missedWrites = _meter.CreateCounter<long>("anarchoredis.node.missed_writes", "{write}", "Writes a node did not acknowledge after the quorum was reached.");
    }

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

    internal void ListRepair(string mode, string result) =>
        _listRepairs.Add(1, new KeyValuePair<string, object?>("mode", mode), new KeyValuePair<string, object?>("result", result));

    internal void NodeError(string node, string kind) =>
        _nodeErrors.Add(1, new KeyValuePair<string, object?>("node", node), new KeyValuePair<string, object?>("kind", kind));

    internal void ClockSkew() => _clockSkew.Add(1);

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
