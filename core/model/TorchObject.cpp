#include "model/TorchObject.h"

#include "common/Error.h"

namespace clipwb::model {

pickle::Value TorchObject::addTensor(torch::Tensor tensor)
{
    tensors.push_back(std::move(tensor));
    return pickle::Value::persistentId(pickle::Value::integer(static_cast<int64_t>(tensors.size() - 1)));
}

bool TorchObject::isTensor(const pickle::Value& node)
{
    return node.is(pickle::Value::Type::PersistentId) && node.pid().is(pickle::Value::Type::Int);
}

const torch::Tensor& TorchObject::tensor(const pickle::Value& node) const
{
    CLIPWB_CHECK(isTensor(node), "expected a tensor, found ", node.typeName());
    const int64_t index = node.pid().toInt();
    CLIPWB_CHECK(index >= 0 && index < static_cast<int64_t>(tensors.size()), "tensor reference ", index,
                 " out of range");
    return tensors[static_cast<size_t>(index)];
}

} // namespace clipwb::model
