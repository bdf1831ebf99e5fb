using System;
using System.Diagnostics;

namespace AnarchoRedis;

/// <summary>
/// The library's spans, on the <see cref="ActivitySource"/> <see cref="SourceName"/>: one client span per replicated
/// operation (with an event per node's answer and per read repair) and one span per anti-entropy pass. Listen with
/// OpenTelemetry's <c>AddSource("AnarchoRedis")</c>. Tags follow OpenTelemetry's database conventions where they fit
/// (<c>db.system.name</c>, <c>db.operation.name</c>, <c>db.collection.name</c>, <c>error.type</c>); the rest are under
/// <c>anarchoredis.*</c>. Keys are never recorded (their number is unbounded and they may hold personal data).
/// </summary>
public static class AnarchoRedisTracing
{
    /// <summary>The activity source's name.</summary>
    public const string SourceName = "AnarchoRedis";

    /// <summary>The source, versioned with this assembly.</summary>
    internal static readonly ActivitySource Source = new(SourceName, typeof(AnarchoRedisTracing).Assembly.GetName().Version?.ToString());

    /// <summary>The key kind tag's value for values.</summary>
    internal const string ValueKind = "value";

    /// <summary>The key kind tag's value for lists.</summary>
    internal const string ListKind = "list";

    /// <summary>The span of the AnarchoRedis operation running in this flow, or <see langword="null"/> (untraced, or ended).</summary>
    internal static Activity? Current => Activity.Current is { IsStopped: false } current && ReferenceEquals(current.Source, Source) ? current : null;

    /// <summary>
    /// Starts the client span of one quorum operation on a key of <paramref name="typeName"/>, or returns
    /// <see langword="null"/> (and allocates nothing) when nobody listens.
    /// </summary>
    /// <param name="operation">The operation (<c>get</c>, <c>set</c>, <c>lpush</c>…), as the operations counter names it.</param>
    /// <param name="typeName">The registry name of the key's type.</param>
    /// <param name="keyKind"><see cref="ValueKind"/> or <see cref="ListKind"/>.</param>
    /// <param name="required">W or R: the answers the operation needs.</param>
    /// <param name="replicas">N: the nodes.</param>
    internal static Activity? StartOperation(string operation, string typeName, string keyKind, int required, int replicas)
    {
        if (!Source.HasListeners() || Source.StartActivity(operation + " " + typeName, ActivityKind.Client) is not { } span)
        {
            return null;
        }

        if (span.IsAllDataRequested)
        {
            SetCommonTags(span, operation, typeName, keyKind);
            span.SetTag("anarchoredis.consistency", ConsistencyName(required, replicas));
            span.SetTag("anarchoredis.quorum.required", required);
            span.SetTag("anarchoredis.replicas", replicas);
        }

        return span;
    }

    /// <summary>
    /// Starts an internal span over several operations that one call makes (a batch, a list pop that reads then
    /// removes), or returns <see langword="null"/> when nobody listens. The operations' own spans are its children.
    /// </summary>
    /// <param name="operation">The call (<c>BATCH set</c>, <c>lpop</c>…).</param>
    /// <param name="typeName">The registry name of the keys' type.</param>
    /// <param name="keyKind"><see cref="ValueKind"/> or <see cref="ListKind"/>.</param>
    internal static Activity? StartCall(string operation, string typeName, string keyKind)
    {
        if (!Source.HasListeners() || Source.StartActivity(operation + " " + typeName, ActivityKind.Internal) is not { } span)
        {
            return null;
        }

        if (span.IsAllDataRequested)
        {
            SetCommonTags(span, operation, typeName, keyKind);
        }

        return span;
    }

    /// <summary>Starts the span of an anti-entropy pass, or returns <see langword="null"/> when nobody listens.</summary>
    /// <param name="mode"><c>digests</c> or <c>scan</c>.</param>
    internal static Activity? StartPass(string mode)
    {
        if (!Source.HasListeners() || Source.StartActivity("anti_entropy " + mode, ActivityKind.Internal) is not { } span)
        {
            return null;
        }

        span.SetTag("db.system.name", "redis");
        span.SetTag("db.operation.name", "anti_entropy");
        span.SetTag("anarchoredis.antientropy.mode", mode);
        return span;
    }

    /// <summary>Records how an operation ended that did not throw (or threw after counting its outcome).</summary>
    /// <param name="span">The span, or <see langword="null"/>.</param>
    /// <param name="outcome">The outcome, as the operations counter names it (<c>ok</c>, <c>quorum_failed</c>…).</param>
    internal static void Outcome(Activity? span, string outcome)
    {
        span?.SetTag("anarchoredis.outcome", outcome);
    }

    /// <summary>
    /// Marks the span failed with <paramref name="error"/>: status Error, <c>error.type</c>, and what a quorum failure
    /// reports. Never the message, which names the key. Returns <see langword="false"/>, so that it can be an exception
    /// filter that records and lets the exception go on.
    /// </summary>
    internal static bool Failed(Activity? span, Exception error)
    {
        if (span is null)
        {
            return false;
        }

        span.SetStatus(ActivityStatusCode.Error);
        span.SetTag("error.type", error.GetType().FullName);
        if (span.GetTagItem("anarchoredis.outcome") is null)
        {
            span.SetTag("anarchoredis.outcome", error is OperationCanceledException ? "cancelled" : "error");
        }

        if (error is QuorumNotReachedException quorum)
        {
            span.SetTag("anarchoredis.quorum.counted", quorum.Acknowledged);
            span.SetTag("anarchoredis.indeterminate", quorum.IsIndeterminate);
        }

        return false;
    }

    /// <summary>Adds the event of one node's part in an operation.</summary>
    /// <param name="span">The operation's span.</param>
    /// <param name="node">The node's name (its endpoint).</param>
    /// <param name="outcome">What the node did: <see cref="OutcomeName"/>, or a read's <c>answered</c>/<c>not_counted</c>, or <c>not_asked</c>.</param>
    /// <param name="counted">Whether its answer counted toward the quorum.</param>
    /// <param name="latency">From the operation's send to the node's answer; <see langword="null"/> when it had not answered.</param>
    /// <param name="error">Why it did not count, if it failed.</param>
    internal static void NodeEvent(Activity span, string node, string outcome, bool counted, TimeSpan? latency, Exception? error)
    {
        var tags = new ActivityTagsCollection
        {
            { "anarchoredis.node", node },
            { "anarchoredis.node.outcome", outcome },
            { "anarchoredis.node.counted", counted },
        };
        if (latency is { } elapsed)
        {
            tags.Add("anarchoredis.node.latency", elapsed.TotalSeconds);
        }

        if (error is not null)
        {
            tags.Add("error.type", error.GetType().FullName);
        }

        span.AddEvent(new ActivityEvent("anarchoredis.node.reply", default, tags));
    }

    /// <summary>Adds the event of one read repair (or list repair) of a node to the span running in this flow, if any.</summary>
    /// <param name="span">The span of the read that started the repair (<see cref="Current"/> when it started), or <see langword="null"/>.</param>
    /// <param name="node">The node repaired.</param>
    /// <param name="keyKind"><see cref="ValueKind"/> or <see cref="ListKind"/>.</param>
    /// <param name="mode"><c>blocking</c> or <c>background</c>.</param>
    /// <param name="result">As the repairs counter names it: <c>applied</c>, <c>superseded</c>, <c>changed</c>, <c>failed</c>.</param>
    /// <param name="error">The failure, if any.</param>
    internal static void RepairEvent(Activity? span, string node, string keyKind, string mode, string result, Exception? error = null)
    {
        // A background repair may end after its read did: an event on an ended span would be lost anyway.
        if (span is null || span.IsStopped)
        {
            return;
        }

        var tags = new ActivityTagsCollection
        {
            { "anarchoredis.node", node },
            { "anarchoredis.key.kind", keyKind },
            { "anarchoredis.repair.mode", mode },
            { "anarchoredis.repair.result", result },
        };
        if (error is not null)
        {
            tags.Add("error.type", error.GetType().FullName);
        }

        span.AddEvent(new ActivityEvent("anarchoredis.repair", default, tags));
    }

    /// <summary>A node outcome's name in tags: <c>applied</c>, <c>superseded</c>, <c>failed</c>, <c>timed_out</c>, <c>skipped</c>, <c>pending</c>.</summary>
    internal static string OutcomeName(NodeOutcomeKind kind) => kind switch
    {
        NodeOutcomeKind.Applied => "applied",
        NodeOutcomeKind.Superseded => "superseded",
        NodeOutcomeKind.Failed => "failed",
        NodeOutcomeKind.TimedOut => "timed_out",
        NodeOutcomeKind.Skipped => "skipped",
        _ => "pending",
    };

    /// <summary>The effective consistency level of <paramref name="required"/> answers of <paramref name="replicas"/>: <c>all</c>, <c>quorum</c>, <c>one</c>, else the number.</summary>
    internal static string ConsistencyName(int required, int replicas) =>
        required >= replicas ? "all"
        : required == (replicas / 2) + 1 ? "quorum"
        : required == 1 ? "one"
        : required.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void SetCommonTags(Activity span, string operation, string typeName, string keyKind)
    {
        span.SetTag("db.system.name", "redis");
        span.SetTag("db.operation.name", operation);

        // The type's registry name is the set of keys one template makes: the closest thing to a collection. The
        // library always uses database 0.
        span.SetTag("db.collection.name", typeName);
        span.SetTag("db.namespace", "0");
        span.SetTag("anarchoredis.key.kind", keyKind);
    }
}
