using System;
using System.Linq;
using System.Collections.Generic;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>Validates <see cref="AnarchoRedisOptions"/> (also used by <c>ValidateOnStart</c> in DI).</summary>
public sealed class AnarchoRedisOptionsValidator : IValidateOptions<AnarchoRedisOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AnarchoRedisOptions options)
    {
        var errors = Errors(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static void ThrowIfInvalid(AnarchoRedisOptions options)
    {
        var errors = Errors(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid AnarchoRedis options: " + string.Join(" ", errors), nameof(options));
        }
    }

    private static List<string> Errors(AnarchoRedisOptions options)
    {
        var errors = new List<string>();
        if (options.Nodes is null || options.Nodes.Count == 0)
        {
            errors.Add("Nodes must list at least one Redis node.");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var node in options.Nodes)
            {
                try
                {
                    var parsed = ConfigurationOptions.Parse(node);
                    parsed.SetDefaultPorts();
                    // A node is one replica: a standalone server (one endpoint) or a Redis Cluster given by its seed
                    // endpoints. No endpoint may belong to two nodes (two replicas on one server are one failure).
                    if (parsed.EndPoints.Count < 1)
                    {
                        errors.Add($"Node '{node}' names no endpoint.");
                    }
                    else if (!parsed.EndPoints.All(e => seen.Add(e.ToString() ?? node)))
                    {
                        errors.Add($"Node '{node}' is listed twice (an endpoint of it belongs to another node too).");
                    }
                }
                catch (ArgumentException ex)
                {
                    errors.Add($"Node '{node}' is not a valid StackExchange.Redis configuration: {ex.Message}");
                }
            }
        }

        if (options.NodeTimeout <= TimeSpan.Zero)
        {
            errors.Add("NodeTimeout must be positive.");
        }

        if (options.MaxBatchSize < 1)
        {
            errors.Add("MaxBatchSize must be at least 1 (1 turns coalescing off).");
        }

        if (options.MaxCallsInFlightPerNode < 1)
        {
            errors.Add("MaxCallsInFlightPerNode must be at least 1.");
        }

        if (options.HedgeDelay <= TimeSpan.Zero || (options.NodeTimeout > TimeSpan.Zero && options.HedgeDelay >= options.NodeTimeout))
        {
            errors.Add($"HedgeDelay must be positive and below NodeTimeout ({options.NodeTimeout}); it is {options.HedgeDelay}.");
        }

        if (!Enum.IsDefined(options.ReadFanOut))
        {
            errors.Add($"ReadFanOut {(int)options.ReadFanOut} is not defined.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("ConnectTimeout must be positive.");
        }

        if (options.TombstoneGracePeriod <= TimeSpan.Zero)
        {
            errors.Add("TombstoneGracePeriod must be positive.");
        }

        AntiEntropyErrors(options.AntiEntropy, errors);
        HealthErrors(options.Health, errors);
        HintErrors(options, errors);
        if (options.MaxClockSkew <= TimeSpan.Zero)
        {
            errors.Add("MaxClockSkew must be positive.");
        }

        if (options.MaxValueBytes <= 0)
        {
            errors.Add("MaxValueBytes must be positive.");
        }

        if (options.MaxKeyBytes <= 0)
        {
            errors.Add("MaxKeyBytes must be positive.");
        }

        // The epoch key is compared only with prefixes that are valid themselves: one bad prefix is one error.
        var prefixErrors = errors.Count;
        if (string.IsNullOrEmpty(options.MetaKeyPrefix) || options.MetaKeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add("MetaKeyPrefix must be non-empty and hold no '{' or '}' (the meta key must keep its data key's hash slot).");
        }

        if (string.IsNullOrEmpty(options.ListTombstonePrefix) || options.ListTombstonePrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add("ListTombstonePrefix must be non-empty and hold no '{' or '}' (the tombstone key must keep its list key's hash slot).");
        }
        else if (string.Equals(options.ListTombstonePrefix, options.MetaKeyPrefix, StringComparison.Ordinal))
        {
            errors.Add("ListTombstonePrefix must differ from MetaKeyPrefix.");
        }

        if (string.IsNullOrEmpty(options.ListClaimPrefix) || options.ListClaimPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add("ListClaimPrefix must be non-empty and hold no '{' or '}' (the claims hash must keep its list key's hash slot).");
        }
        else if (Overlaps(options.ListClaimPrefix, options.MetaKeyPrefix) || Overlaps(options.ListClaimPrefix, options.ListTombstonePrefix))
        {
            errors.Add("ListClaimPrefix must neither start with MetaKeyPrefix or ListTombstonePrefix nor be a prefix of either (claims hashes must not be taken for other keys the library keeps, nor the reverse).");
        }

        if (options.PopClaimLease <= TimeSpan.Zero)
        {
            errors.Add("PopClaimLease must be positive.");
        }

        if (options.PopClaimAttempts < 1)
        {
            errors.Add("PopClaimAttempts must be at least 1.");
        }

        if (string.IsNullOrEmpty(options.SlotKeyPrefix) || options.SlotKeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add("SlotKeyPrefix must be non-empty and hold no '{' or '}' (each slot key carries its own hash tag).");
        }
        else if (Overlaps(options.SlotKeyPrefix, options.MetaKeyPrefix) || Overlaps(options.SlotKeyPrefix, options.ListTombstonePrefix) || Overlaps(options.SlotKeyPrefix, options.ListClaimPrefix))
        {
            errors.Add("SlotKeyPrefix must neither start with MetaKeyPrefix, ListTombstonePrefix or ListClaimPrefix nor be a prefix of one of them (slot keys must not be taken for meta, tombstone or claim keys, nor the reverse).");
        }

        if (string.IsNullOrEmpty(options.EpochKey))
        {
            errors.Add("EpochKey must be non-empty.");
        }
        else if (options.EpochKey.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add("EpochKey must hold no '{' or '}' (on a node that is a Redis Cluster the epoch is kept per hash slot, in keys named EpochKey:{tag}, whose hash tag must be the slot's).");
        }
        else if (errors.Count == prefixErrors &&
            (Overlaps(options.EpochKey, options.MetaKeyPrefix) || Overlaps(options.EpochKey, options.ListTombstonePrefix) || Overlaps(options.EpochKey, options.SlotKeyPrefix)))
        {
            errors.Add("EpochKey must neither start with MetaKeyPrefix, ListTombstonePrefix or SlotKeyPrefix nor be a prefix of one of them (the epoch key must not be taken for a key the library keeps per data key).");
        }

        if (!Enum.IsDefined(options.ReadConsistency) || options.ReadConsistency == Consistency.Default ||
            !Enum.IsDefined(options.WriteConsistency) || options.WriteConsistency == Consistency.Default)
        {
            errors.Add("ReadConsistency and WriteConsistency must be One, Quorum or All.");
        }

        ConnectionErrors(options.Connection, errors);
        return errors;
    }

    private static void ConnectionErrors(NodeConnectionOptions? options, List<string> errors)
    {
        if (options is null)
        {
            errors.Add("Connection must not be null.");
            return;
        }

        if ((options.ClientCertificatePath is null) != (options.ClientKeyPath is null))
        {
            errors.Add("Connection.ClientCertificatePath and Connection.ClientKeyPath go together: give both (the certificate and its private key, PEM files) or neither.");
        }

        foreach (var (name, path) in new[]
        {
            ("TrustedCaCertificatePath", options.TrustedCaCertificatePath),
            ("ClientCertificatePath", options.ClientCertificatePath),
            ("ClientKeyPath", options.ClientKeyPath),
        })
        {
            if (path is not null && !System.IO.File.Exists(path))
            {
                errors.Add($"Connection.{name} names a file that does not exist: '{path}'.");
            }
        }
    }

    private static void AntiEntropyErrors(AntiEntropyOptions? options, List<string> errors)
    {
        if (options is null)
        {
            errors.Add("AntiEntropy must not be null.");
            return;
        }

        if (options.Interval <= TimeSpan.Zero)
        {
            errors.Add("AntiEntropy.Interval must be positive.");
        }

        if (options.Jitter < TimeSpan.Zero)
        {
            errors.Add("AntiEntropy.Jitter must not be negative.");
        }

        if (options.MaxKeysPerSecond < 0)
        {
            errors.Add("AntiEntropy.MaxKeysPerSecond must be 0 (no limit) or positive.");
        }

        if (options.SlotBatchSize is < 1 or > HashSlot.Count)
        {
            errors.Add($"AntiEntropy.SlotBatchSize must be between 1 and {HashSlot.Count}.");
        }

        if (options.Concurrency < 1)
        {
            errors.Add("AntiEntropy.Concurrency must be at least 1.");
        }

        if (options.MaxReportedProblems < 0)
        {
            errors.Add("AntiEntropy.MaxReportedProblems must not be negative.");
        }
    }

    private static void HealthErrors(NodeHealthOptions? options, List<string> errors)
    {
        if (options is null)
        {
            errors.Add("Health must not be null.");
            return;
        }

        if (options.FailureThreshold < 1)
        {
            errors.Add("Health.FailureThreshold must be at least 1.");
        }

        if (options.ProbeInterval <= TimeSpan.Zero)
        {
            errors.Add("Health.ProbeInterval must be positive.");
        }
    }

    private static void HintErrors(AnarchoRedisOptions options, List<string> errors)
    {
        var hints = options.Hints;
        if (hints is null)
        {
            errors.Add("Hints must not be null.");
            return;
        }

        if (hints.MaxPerNode < 1)
        {
            errors.Add("Hints.MaxPerNode must be at least 1.");
        }

        if (hints.ReplayInterval <= TimeSpan.Zero)
        {
            errors.Add("Hints.ReplayInterval must be positive.");
        }

        if (hints.BatchSize < 1)
        {
            errors.Add("Hints.BatchSize must be at least 1.");
        }

        if (string.IsNullOrEmpty(hints.StreamPrefix) || hints.StreamPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add("Hints.StreamPrefix must be non-empty and hold no '{' or '}'.");
        }
        else if (Overlaps(hints.StreamPrefix, options.MetaKeyPrefix) || Overlaps(hints.StreamPrefix, options.ListTombstonePrefix) ||
            (SlotPrefixUsable(options) && Overlaps(hints.StreamPrefix, options.SlotKeyPrefix)))
        {
            errors.Add("Hints.StreamPrefix must neither start with MetaKeyPrefix, ListTombstonePrefix or SlotKeyPrefix nor be a prefix of one of them.");
        }
    }

    /// <summary>Whether the slot prefix passed its own checks (a bad one is reported once, as itself).</summary>
    private static bool SlotPrefixUsable(AnarchoRedisOptions options) =>
        !string.IsNullOrEmpty(options.SlotKeyPrefix) && !Overlaps(options.SlotKeyPrefix, options.MetaKeyPrefix) && !Overlaps(options.SlotKeyPrefix, options.ListTombstonePrefix);

    /// <summary>Whether one prefix starts with the other (so that one key could carry both).</summary>
    private static bool Overlaps(string a, string? b) =>
        !string.IsNullOrEmpty(b) && (a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal));
}
