using System;

namespace AnarchoRedis;

/// <summary>A node holds something for a key that the library did not write or cannot read.</summary>
public abstract class NodeDataException : AnarchoRedisException
{
    private protected NodeDataException(string message, string key, string node, Exception? innerException = null)
        : base(message, key, innerException)
    {
        Node = node;
    }

    /// <summary>The node that holds the bad data.</summary>
    public string Node { get; }
}

/// <summary>A key's meta key is not something the library wrote (wrong type, bad version, bad fields). Nothing is overwritten.</summary>
public sealed class CorruptMetadataException : NodeDataException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="node">The node.</param>
    /// <param name="detail">What is wrong with it.</param>
    public CorruptMetadataException(string key, string node, string detail)
        : base($"The meta data of key '{key}' on node {node} is corrupt: {detail}. The node's copy is left as is.", key, node)
    {
        Detail = detail;
    }

    /// <summary>What is wrong with the meta data.</summary>
    public string Detail { get; }
}

/// <summary>A data key holds a Redis type other than the one its replicated type needs. Nothing is overwritten.</summary>
public sealed class WrongRedisTypeException : NodeDataException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="node">The node.</param>
    /// <param name="expectedType">The Redis type the library needs (for example <c>string</c>).</param>
    /// <param name="actualType">The Redis type found.</param>
    public WrongRedisTypeException(string key, string node, string expectedType, string actualType)
        : base($"Key '{key}' on node {node} is a Redis {actualType}, but a {expectedType} was expected. The node's copy is left as is.", key, node)
    {
        ExpectedType = expectedType;
        ActualType = actualType;
    }

    /// <summary>The Redis type the library needs.</summary>
    public string ExpectedType { get; }

    /// <summary>The Redis type found.</summary>
    public string ActualType { get; }
}

/// <summary>A stored value could not be decoded as the model type (truncated, not MessagePack, or another shape).</summary>
public sealed class ValueDecodeException : NodeDataException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="node">The node whose copy is undecodable.</param>
    /// <param name="valueType">The model type.</param>
    /// <param name="innerException">The serializer's error.</param>
    public ValueDecodeException(string key, string node, Type valueType, Exception innerException)
        : base($"The value of key '{key}' on node {node} cannot be decoded as {valueType.FullName}: {innerException.Message}", key, node, innerException)
    {
        ValueType = valueType;
    }

    /// <summary>The model type.</summary>
    public Type ValueType { get; }
}

/// <summary>
/// A key's meta data says it belongs to another replicated type (another registry name, or a list where a value is
/// expected). Nothing is overwritten: two types must not share keys.
/// </summary>
public sealed class KeyTypeMismatchException : NodeDataException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="node">The node.</param>
    /// <param name="expectedName">The registry name of the type used for the call.</param>
    /// <param name="storedKind">The kind stored in the meta data (<c>v</c> value, <c>l</c> list).</param>
    /// <param name="storedName">The registry name stored in the meta data.</param>
    public KeyTypeMismatchException(string key, string node, string expectedName, string storedKind, string storedName)
        : base($"Key '{key}' on node {node} belongs to replicated type '{storedName}' (kind '{storedKind}'), not '{expectedName}'. The node's copy is left as is.", key, node)
    {
        ExpectedName = expectedName;
        StoredKind = storedKind;
        StoredName = storedName;
    }

    /// <summary>The registry name of the type used for the call.</summary>
    public string ExpectedName { get; }

    /// <summary>The kind stored in the meta data.</summary>
    public string StoredKind { get; }

    /// <summary>The registry name stored in the meta data.</summary>
    public string StoredName { get; }
}

/// <summary>
/// A list key on a node holds entries the library did not write (not list envelopes), or a list without meta data.
/// The node's answer does not count and nothing on it is overwritten.
/// </summary>
public sealed class ForeignListDataException : NodeDataException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="node">The node.</param>
    /// <param name="detail">What was found.</param>
    public ForeignListDataException(string key, string node, string detail)
        : base($"The list '{key}' on node {node} holds data AnarchoRedis did not write: {detail}. The node's copy is left as is.", key, node)
    {
        Detail = detail;
    }

    /// <summary>What was found.</summary>
    public string Detail { get; }
}

/// <summary>
/// A node holds a key at a version further ahead of this client's clock than <see cref="AnarchoRedisOptions.MaxClockSkew"/>
/// (a writer with a broken clock, or a hand-edited meta key). The version wins every comparison, so a write made now is
/// not applied there; the node's answer does not count as an acknowledgement, so such a write is never reported as
/// done. Once the wall clock passes the version, or the key is deleted by hand on the node, writes apply again.
/// </summary>
public sealed class VersionAheadException : NodeDataException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="node">The node.</param>
    /// <param name="stored">The version the node holds.</param>
    /// <param name="ahead">How far it is ahead of this client's clock.</param>
    public VersionAheadException(string key, string node, ReplicatedVersion stored, TimeSpan ahead)
        : base($"Key '{key}' on node {node} holds version {stored}, {ahead} ahead of this client's clock (beyond MaxClockSkew): a write made now cannot win there, so it is not counted as acknowledged. The node's copy is left as is.", key, node)
    {
        Stored = stored;
        Ahead = ahead;
    }

    /// <summary>The version the node holds.</summary>
    public ReplicatedVersion Stored { get; }

    /// <summary>How far the stored version is ahead of this client's clock.</summary>
    public TimeSpan Ahead { get; }
}

/// <summary>
/// A node's meta key says it holds data for a key (a live value, or a list of some elements) but the data is gone before
/// its expiry: evicted under <c>maxmemory</c>, or deleted outside AnarchoRedis. Such a replica is "missing": its answer
/// does not count toward R (it would otherwise vote for "nothing" beside a stale node), and it is repaired.
/// </summary>
public sealed class ReplicaDataMissingException : NodeDataException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="node">The node.</param>
    /// <param name="version">The version the node's meta names.</param>
    public ReplicaDataMissingException(string key, string node, ReplicatedVersion version)
        : base($"Key '{key}' on node {node}: the meta names version {version}, but the data is gone before its expiry (evicted, or deleted outside AnarchoRedis). The answer does not count toward R; the copy is repaired.", key, node)
    {
        Version = version;
    }

    /// <summary>The version the node's meta names.</summary>
    public ReplicatedVersion Version { get; }
}
