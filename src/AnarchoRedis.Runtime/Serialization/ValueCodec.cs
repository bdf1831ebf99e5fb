using System;
using MessagePack;
using MessagePack.Resolvers;

namespace AnarchoRedis;

/// <summary>Decodes a stored payload into a model object (used by the untyped replication core).</summary>
internal interface IValueDecoder
{
    Type ValueType { get; }

    object Decode(ReadOnlyMemory<byte> payload);
}

/// <summary>MessagePack encoding of one model type, with the size limit checked before anything is sent.</summary>
internal sealed class ValueCodec<T> : IValueDecoder
    where T : class
{
    private readonly MessagePackSerializerOptions _options;
    private readonly int _maxBytes;

    public ValueCodec(MessagePackSerializerOptions options, int maxBytes)
    {
        _options = options;
        _maxBytes = maxBytes;
    }

    public Type ValueType => typeof(T);

    public static MessagePackSerializerOptions DefaultOptions { get; } =
        MessagePackSerializerOptions.Standard
            .WithResolver(ContractlessStandardResolver.Instance)
            .WithSecurity(MessagePackSecurity.UntrustedData);

    public byte[] Encode(string key, T value)
    {
        var payload = MessagePackSerializer.Serialize(value, _options);
        if (payload.Length > _maxBytes)
        {
            throw new ValueTooLargeException(key, payload.Length, _maxBytes);
        }

        return payload;
    }

    /// <exception cref="MessagePackSerializationException">The payload is not a <typeparamref name="T"/>.</exception>
    public object Decode(ReadOnlyMemory<byte> payload) =>
        MessagePackSerializer.Deserialize<T>(payload, _options)
        ?? throw new MessagePackSerializationException("The payload decodes to nil.");
}
