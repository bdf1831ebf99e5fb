using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Registry;

public sealed class ReplicatedTypeRegistryTests
{
    public sealed class User
    {
        public int Id { get; set; }
    }

    public sealed class Order
    {
        public int Id { get; set; }
    }

    public sealed class Event
    {
        public string? Text { get; set; }
    }

    private sealed class Catalog(params ReplicatedTypeDescriptor[] types) : IReplicatedTypeCatalog
    {
        public IReadOnlyList<ReplicatedTypeDescriptor> Types { get; } = types;
    }

    private static readonly Catalog Shop = new(
        new ReplicatedValueDescriptor<User>("User", "user:{Id}"),
        new ReplicatedValueDescriptor<Order>("Order", "order:{Id}", Consistency.All, Consistency.One, TimeSpan.FromHours(1)),
        new ReplicatedListDescriptor<Event>("Events", "events:{Id}"));

    [Fact]
    public void TryGet_finds_registered_types_by_their_exact_name()
    {
        var registry = new ReplicatedTypeRegistry([Shop]);

        Assert.True(registry.TryGet("Order", out var order));
        Assert.Equal(typeof(Order), order.ValueType);
        Assert.Equal(ReplicatedKind.Value, order.Kind);
        Assert.Equal("order:{Id}", order.KeyTemplate);
        Assert.Equal(Consistency.All, order.ReadConsistency);
        Assert.Equal(Consistency.One, order.WriteConsistency);
        Assert.Equal(TimeSpan.FromHours(1), order.TimeToLive);

        Assert.True(registry.TryGet("Events", out var events));
        Assert.Equal(ReplicatedKind.List, events.Kind);

        Assert.False(registry.TryGet("order", out var missing)); // names are case-sensitive, as stored in meta
        Assert.Null(missing);
        Assert.False(registry.TryGet("Unknown", out _));
    }

    [Fact]
    public void Types_are_listed_by_name()
    {
        var registry = new ReplicatedTypeRegistry([Shop]);

        Assert.Equal(["Events", "Order", "User"], registry.Types.Select(t => t.Name));
    }

    [Fact]
    public void The_same_catalog_twice_is_fine()
    {
        var registry = new ReplicatedTypeRegistry([Shop, Shop]);

        Assert.Equal(3, registry.Types.Count);
        Assert.True(registry.TryGet("User", out _));
    }

    [Fact]
    public void The_same_type_in_two_catalogs_is_fine()
    {
        var again = new Catalog(new ReplicatedValueDescriptor<User>("User", "user:{Id}"));

        var registry = new ReplicatedTypeRegistry([Shop, again]);

        Assert.Equal(3, registry.Types.Count);
    }

    [Fact]
    public void Two_types_under_one_name_throw_naming_both_types()
    {
        var clash = new Catalog(new ReplicatedValueDescriptor<Order>("User", "legacy:{Id}"));

        var error = Assert.Throws<InvalidOperationException>(() => new ReplicatedTypeRegistry([Shop, clash]));

        Assert.Contains("'User'", error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(User).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Order).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_and_a_list_of_one_type_under_one_name_throw()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ReplicatedTypeRegistry(
            new ReplicatedValueDescriptor<Event>("Events", "event:{Id}"),
            new ReplicatedListDescriptor<Event>("Events", "events:{Id}")));

        Assert.Contains("'Events'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Params_constructor_and_null_arguments()
    {
        var registry = new ReplicatedTypeRegistry(new ReplicatedValueDescriptor<User>("User", "user:{Id}"));
        Assert.True(registry.TryGet("User", out _));

        Assert.Throws<ArgumentNullException>(() => new ReplicatedTypeRegistry((IEnumerable<IReplicatedTypeCatalog>)null!));
        Assert.Throws<ArgumentNullException>(() => new ReplicatedTypeRegistry((ReplicatedTypeDescriptor)null!));
        Assert.Empty(new ReplicatedTypeRegistry(Array.Empty<IReplicatedTypeCatalog>()).Types);
    }

    [Fact]
    public void Descriptors_reject_blank_names_templates_and_non_positive_ttl()
    {
        Assert.ThrowsAny<ArgumentException>(() => new ReplicatedValueDescriptor<User>(" ", "user:{Id}"));
        Assert.ThrowsAny<ArgumentException>(() => new ReplicatedValueDescriptor<User>("User", ""));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplicatedValueDescriptor<User>("User", "user:{Id}", timeToLive: TimeSpan.Zero));
    }
}
