namespace AnarchoRedis.Generators.Tests.Infrastructure;

/// <summary>Model sources shared by the snapshot, compilation and incremental tests.</summary>
internal static class Models
{
    public const string User = """
        using AnarchoRedis;

        namespace Samples.Models;

        [ReplicatedKey("user:{Id}")]
        public sealed class User
        {
            public int Id { get; set; }

            public string Name { get; set; } = "";
        }
        """;

    // Several placeholders of every kind, a record class, a nested namespace, the global namespace,
    // attribute settings, and a list type that gets only a registry entry.
    public const string Order = """
        using AnarchoRedis;

        namespace Samples.Models
        {
            public enum OrderStatus { Open, Shipped }

            [ReplicatedKey("tenant:{TenantId}:order:{Id}:{Status}", Name = "order", ReadConsistency = Consistency.Quorum, WriteConsistency = Consistency.All, TimeToLiveSeconds = 3600)]
            public sealed class Order
            {
                public string TenantId { get; set; } = "";

                public long Id { get; init; }

                public OrderStatus Status { get; set; }
            }
        }
        """;

    public const string Invoice = """
        using System;
        using AnarchoRedis;

        namespace Samples.Models.Billing.Invoices;

        [ReplicatedKey("invoice:{Number}")]
        public sealed record class Invoice(Guid Number, decimal Amount);
        """;

    public const string Counter = """
        using AnarchoRedis;

        [ReplicatedKey("counter:{Shard}/{Slot}/{Small}/{Tiny}/{Unsigned}")]
        public class Counter
        {
            public ulong Shard { get; set; }

            public ushort Slot { get; set; }

            public short Small { get; set; }

            public sbyte Tiny { get; set; }

            public uint Unsigned { get; set; }
        }
        """;

    public const string ChatMessage = """
        using AnarchoRedis;

        namespace Samples.Models.Chat;

        [ReplicatedList("chat:{RoomId}:{Channel}", TimeToLiveSeconds = 86400)]
        public sealed class ChatMessage
        {
            public int RoomId { get; set; }

            public string Text { get; set; } = "";
        }
        """;

    public static readonly string[] Representative = { User, Order, Invoice, Counter, ChatMessage };

    public const string Unrelated = """
        namespace Samples.Other;

        public static class Clock
        {
            public static int Ticks => 42;
        }
        """;
}
