using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;

namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>
/// Listens to the library's per-node instruments (<c>anarchoredis.node.errors</c>, <c>anarchoredis.node.missed_writes</c>) and clock skew events
/// the way an operator's metrics pipeline would. Every client shares the meter name, so tests filter by node: each
/// test's nodes have their own ports.
/// </summary>
public sealed class NodeErrorRecorder : IDisposable
{
    /// <summary>The instrument counting node replies that did not count.</summary>
    public const string NodeErrors = "anarchoredis.node.errors";

    /// <summary>The instrument counting writes a node did not acknowledge.</summary>
    public const string MissedWrites = "anarchoredis.node.missed_writes";

    /// <summary>The instrument counting versions seen further ahead of the local clock than MaxClockSkew (no node tag).</summary>
    public const string ClockSkew = "anarchoredis.clock.skew_events";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, string Node, string Kind)> _seen = new();

    /// <summary>Starts listening.</summary>
    /// <param name="scope">
    /// Only meters made by this factory (a client created with it as its meter factory), for instruments without a node
    /// tag; <see langword="null"/> for every client's.
    /// </param>
    public NodeErrorRecorder(IMeterFactory? scope = null)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AnarchoRedisMetrics.MeterName && instrument.Name is NodeErrors or MissedWrites or ClockSkew
                && (scope is null || ReferenceEquals(instrument.Meter.Scope, scope)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            string node = string.Empty, kind = string.Empty;
            foreach (var tag in tags)
            {
                if (tag.Key == "node")
                {
                    node = tag.Value as string ?? string.Empty;
                }
                else if (tag.Key == "kind")
                {
                    kind = tag.Value as string ?? string.Empty;
                }
            }

            _seen.Enqueue((instrument.Name, node, kind));
        });
        _listener.Start();
    }

    /// <summary>How many measurements <paramref name="instrument"/> recorded for <paramref name="node"/>.</summary>
    /// <param name="instrument"><see cref="NodeErrors"/> or <see cref="MissedWrites"/>.</param>
    /// <param name="node">The node's endpoint.</param>
    /// <returns>The count.</returns>
    public int Count(string instrument, string node) => _seen.Count(m => m.Instrument == instrument && m.Node == node);

    /// <summary>How many measurements <paramref name="instrument"/> recorded, whatever the node.</summary>
    /// <param name="instrument">The instrument's name.</param>
    /// <returns>The count.</returns>
    public int Count(string instrument) => _seen.Count(m => m.Instrument == instrument);

    /// <summary>The kinds of node errors recorded for <paramref name="node"/>.</summary>
    /// <param name="node">The node's endpoint.</param>
    /// <returns>The kinds, in order.</returns>
    public IReadOnlyList<string> ErrorKinds(string node) => _seen.Where(m => m.Instrument == NodeErrors && m.Node == node).Select(m => m.Kind).ToArray();

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
